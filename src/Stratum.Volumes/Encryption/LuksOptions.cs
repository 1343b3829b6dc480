namespace Stratum.Volumes.Encryption;

/// <summary>
/// How new LUKS2 headers are made. The key-derivation cost is fixed (no benchmark): argon2id,
/// 4 passes over 64 MiB, one thread. It fits a plugin container's memory limit (cryptsetup needs
/// the memory cost once per format or open), costs the same on every node whatever CPU it
/// formatted on, and follows current guidance for argon2id (at least 19 MiB and 2 passes).
/// </summary>
public sealed record LuksOptions
{
    /// <summary>The PBKDF: <c>argon2id</c> (default), <c>argon2i</c> or <c>pbkdf2</c>.</summary>
    public string Pbkdf { get; init; } = "argon2id";

    /// <summary>argon2 memory cost in KiB (default 65536: 64 MiB).</summary>
    public int PbkdfMemoryKiB { get; init; } = 64 * 1024;

    /// <summary>argon2 passes, or pbkdf2 iterations.</summary>
    public int PbkdfIterations { get; init; } = 4;

    /// <summary>argon2 threads.</summary>
    public int PbkdfParallel { get; init; } = 1;

    /// <summary>Limit for one cryptsetup call.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
