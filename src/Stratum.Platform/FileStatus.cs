using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Stratum.Platform;

/// <summary>The kind of a filesystem entry, as <c>lstat(2)</c> reports it.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    BlockDevice,
    CharacterDevice,
    Fifo,
    Socket,
}

/// <summary>
/// What <c>lstat(2)</c> says of a path: its kind and, for device nodes, the device number.
/// .NET exposes neither, and Stratum needs both (stale socket files; which LV a device node is).
/// </summary>
public readonly record struct FileStatus(FileKind Kind, uint DeviceMajor, uint DeviceMinor)
{
    private const int BufferSize = 256;

    public bool Exists => Kind != FileKind.Missing;

    /// <summary>Stats <paramref name="path"/> without following a final symbolic link.</summary>
    public static FileStatus Lstat(string path) => Stat(path, followLinks: false);

    /// <summary>Stats <paramref name="path"/>, following symbolic links (e.g. /dev/vg/lv to /dev/dm-N).</summary>
    public static FileStatus StatFollow(string path) => Stat(path, followLinks: true);

    private static FileStatus Stat(string path, bool followLinks)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var buffer = new byte[BufferSize];
        var rc = Native.Call(path, buffer, followLinks);
        if (rc != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) // ENOENT, ENOTDIR
            {
                return new FileStatus(FileKind.Missing, 0, 0);
            }

            throw new IOException($"stat {path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        var (modeOffset, rdevOffset) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (24, 40),
            Architecture.Arm64 => (16, 32),
            var other => throw new PlatformNotSupportedException($"stat layout for {other} is not known"),
        };
        var mode = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(modeOffset));
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x6000 => FileKind.BlockDevice,
            0x2000 => FileKind.CharacterDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => FileKind.Regular,
        };
        if (kind is not (FileKind.BlockDevice or FileKind.CharacterDevice))
        {
            return new FileStatus(kind, 0, 0);
        }

        var rdev = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(rdevOffset));
        var major = (uint)(((rdev >> 8) & 0xfff) | ((rdev >> 32) & 0xfffff000));
        var minor = (uint)((rdev & 0xff) | ((rdev >> 12) & 0xffffff00));
        return new FileStatus(kind, major, minor);
    }

    private static class Native
    {
        private static bool s_legacy;

        public static int Call(string path, byte[] buffer, bool follow)
        {
            if (!s_legacy)
            {
                try
                {
                    return follow ? stat(path, buffer) : lstat(path, buffer);
                }
                catch (EntryPointNotFoundException)
                {
                    s_legacy = true; // glibc before 2.33 only exports the versioned __xstat family
                }
            }

            return follow ? __xstat(1, path, buffer) : __lxstat(1, path, buffer);
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

        [DllImport("libc", SetLastError = true)]
        private static extern int lstat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

        [DllImport("libc", SetLastError = true)]
        private static extern int __xstat(int version, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

        [DllImport("libc", SetLastError = true)]
        private static extern int __lxstat(int version, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
    }
}
