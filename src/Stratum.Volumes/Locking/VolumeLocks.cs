using System.Collections.Concurrent;

namespace Stratum.Volumes.Locking;

/// <summary>
/// Per-volume exclusion. An operation on a volume takes its lock without waiting; a second,
/// concurrent operation on the same volume is refused (the CSI layer answers ABORTED, and the
/// caller — a sidecar or kubelet — retries later). Operations on different volumes never block
/// each other.
/// </summary>
public sealed class VolumeLocks
{
    private readonly ConcurrentDictionary<string, string> _held = new(StringComparer.Ordinal);

    /// <summary>Takes the lock for <paramref name="key"/>, or returns null when another operation holds it.</summary>
    /// <param name="key">Identifies the volume (e.g. <c>vg/lv</c>).</param>
    /// <param name="operation">What is taking the lock; reported to whoever is refused.</param>
    public Handle? TryAcquire(string key, string operation) =>
        _held.TryAdd(key, operation) ? new Handle(this, key) : null;

    /// <summary>
    /// Takes the lock for <paramref name="key"/>, or fails with <see cref="VolumeError.Busy"/> (the
    /// CSI layer answers ABORTED) naming the operation that holds it.
    /// </summary>
    public Handle Acquire(string key, string operation) =>
        TryAcquire(key, operation)
        ?? throw new VolumeException(VolumeError.Busy,
            $"{HolderOf(key) ?? "another operation"} is in progress on volume {key}; retry when it has finished");

    /// <summary>The operation currently holding <paramref name="key"/>, if any.</summary>
    public string? HolderOf(string key) => _held.TryGetValue(key, out var operation) ? operation : null;

    public int Count => _held.Count;

    /// <summary>Releases the lock when disposed (once).</summary>
    public sealed class Handle : IDisposable
    {
        private VolumeLocks? _owner;
        private readonly string _key;

        internal Handle(VolumeLocks owner, string key)
        {
            _owner = owner;
            _key = key;
        }

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?._held.TryRemove(_key, out _);
    }
}
