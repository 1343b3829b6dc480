using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Stratum.Platform;

/// <summary>What a read of a device's first block found.</summary>
public enum BlockReadOutcome
{
    /// <summary>The block was read.</summary>
    Read,

    /// <summary>The device refused the read (e.g. EIO from a failed disk or an <c>error</c> target).</summary>
    Failed,

    /// <summary>The read has not come back within the time allowed (a hung or very slow device).</summary>
    TimedOut,
}

/// <param name="Detail">The error's text (<see cref="BlockReadOutcome.Failed"/>) or how long the read has been waiting.</param>
public sealed record BlockReadResult(BlockReadOutcome Outcome, string Detail);

/// <summary>
/// Reads a block device's first 4 KiB with O_DIRECT (past the page cache, so the device itself
/// answers), on a thread of its own and bounded in time: a read that hangs in the kernel cannot be
/// cancelled, so the thread is left to it and a later check of the same device waits for that
/// read instead of starting another. Reads only; never a write.
/// </summary>
public static class BlockRead
{
    private const int BlockBytes = 4096;

    private static readonly ConcurrentDictionary<string, Pending> s_pending = new(StringComparer.Ordinal);

    /// <summary>Reads the first block of <paramref name="device"/>, waiting at most <paramref name="timeout"/>.</summary>
    public static async Task<BlockReadResult> FirstBlockAsync(string device, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        var pending = s_pending.GetOrAdd(device, Start);
        if (await Task.WhenAny(pending.Task, Task.Delay(timeout)).ConfigureAwait(false) == pending.Task)
        {
            s_pending.TryRemove(new KeyValuePair<string, Pending>(device, pending));
            return await pending.Task.ConfigureAwait(false);
        }

        var waiting = Stopwatch.GetElapsedTime(pending.Started).TotalSeconds;
        return new BlockReadResult(BlockReadOutcome.TimedOut, $"a read of its first block has not come back after {waiting:0.#} s");
    }

    private static Pending Start(string device)
    {
        var result = new TaskCompletionSource<BlockReadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => result.SetResult(Read(device))) { IsBackground = true, Name = "stratum block read" };
        thread.Start();
        return new Pending(result.Task, Stopwatch.GetTimestamp());
    }

    private static BlockReadResult Read(string device)
    {
        var direct = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;
        const int readOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC
        var fd = Native.open(device, readOnlyCloseOnExec | direct);
        if (fd < 0)
        {
            return Failure();
        }

        // O_DIRECT wants a buffer aligned to the logical block size; 4096 covers every device.
        var raw = Marshal.AllocHGlobal(2 * BlockBytes);
        try
        {
            var aligned = (raw + BlockBytes - 1) & ~(nint)(BlockBytes - 1);
            return Native.pread(fd, aligned, BlockBytes, 0) < 0 ? Failure() : new BlockReadResult(BlockReadOutcome.Read, "read");
        }
        finally
        {
            Marshal.FreeHGlobal(raw);
            _ = Native.close(fd);
        }
    }

    private static BlockReadResult Failure() =>
        new(BlockReadOutcome.Failed, Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));

    private sealed record Pending(Task<BlockReadResult> Task, long Started);

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern nint pread(int fd, nint buffer, nuint count, long offset);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
