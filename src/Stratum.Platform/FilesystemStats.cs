using System.Runtime.InteropServices;

namespace Stratum.Platform;

/// <summary>What <c>statvfs(3)</c> reports of a mounted filesystem, in bytes and inodes.</summary>
public readonly record struct FilesystemStats(long TotalBytes, long AvailableBytes, long UsedBytes, long TotalInodes, long FreeInodes, long UsedInodes)
{
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    public static FilesystemStats Of(string path)
    {
        // struct statvfs on 64-bit Linux (x86-64 and arm64): eleven unsigned longs, then reserved space.
        var buffer = new ulong[16];
        if (Native.statvfs(path, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20)
            {
                throw new FileNotFoundException($"{path} does not exist", path);
            }

            throw new IOException($"statvfs {path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        var fragmentSize = (long)buffer[1];
        long blocks = (long)buffer[2], free = (long)buffer[3], available = (long)buffer[4];
        long files = (long)buffer[5], freeFiles = (long)buffer[6];
        return new FilesystemStats(
            TotalBytes: blocks * fragmentSize,
            AvailableBytes: available * fragmentSize,
            UsedBytes: (blocks - free) * fragmentSize,
            TotalInodes: files,
            FreeInodes: freeFiles,
            UsedInodes: files - freeFiles);
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int statvfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] ulong[] buffer);
    }
}
