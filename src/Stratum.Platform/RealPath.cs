using System.Runtime.InteropServices;

namespace Stratum.Platform;

/// <summary><c>realpath(3)</c>: the absolute path with every symbolic link, <c>.</c> and <c>..</c> resolved.</summary>
public static class RealPath
{
    /// <summary>
    /// Resolves <paramref name="path"/> the way the kernel does, so the result can be compared
    /// with mount points in <c>/proc/self/mountinfo</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A component of the path does not exist.</exception>
    /// <exception cref="IOException">Any other failure.</exception>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var resolved = Native.realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) // ENOENT, ENOTDIR
            {
                throw new FileNotFoundException($"{path} does not exist", path);
            }

            throw new IOException($"realpath {path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? throw new IOException($"realpath {path} returned nothing");
        }
        finally
        {
            Native.free(resolved);
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

        [DllImport("libc")]
        public static extern void free(IntPtr pointer);
    }
}
