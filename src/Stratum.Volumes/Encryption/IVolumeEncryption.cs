namespace Stratum.Volumes.Encryption;

/// <summary>
/// The engine's seam to per-volume encryption (LUKS2 through <c>cryptsetup</c>). Keys only ever
/// travel on a child's standard input: never in an argv, a log line or a file. Each call does one
/// thing; deciding whether to do it (format only a blank LV, never twice) is the engine's job.
/// </summary>
public interface IVolumeEncryption
{
    /// <summary>Writes a new LUKS2 header on <paramref name="device"/> protected by <paramref name="key"/>. Callers must have probed the device blank.</summary>
    Task FormatAsync(string device, string key, CancellationToken cancellationToken);

    /// <summary>Opens the LUKS device as the device-mapper device <paramref name="name"/> (<c>/dev/mapper/NAME</c>).</summary>
    /// <exception cref="EncryptionKeyRejectedException">No key slot opens with <paramref name="key"/>; nothing was changed.</exception>
    Task OpenAsync(string device, string name, string key, CancellationToken cancellationToken);

    /// <summary>Checks that <paramref name="key"/> opens the LUKS header on <paramref name="device"/>, without opening it.</summary>
    /// <exception cref="EncryptionKeyRejectedException">The key is wrong.</exception>
    Task VerifyKeyAsync(string device, string key, CancellationToken cancellationToken);

    /// <summary>Closes the open device <paramref name="name"/>.</summary>
    Task CloseAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Gives the open device <paramref name="name"/> the whole of its (grown) backing device. LUKS2
    /// keeps the volume key in the kernel keyring, where cryptsetup cannot read it back, so the
    /// key is needed.
    /// </summary>
    /// <exception cref="EncryptionKeyRejectedException">The key is wrong.</exception>
    Task ResizeAsync(string name, string? key, CancellationToken cancellationToken);
}

/// <summary>The key does not open the volume's LUKS header.</summary>
public sealed class EncryptionKeyRejectedException(string message) : Exception(message);

/// <summary>The encrypted device is in use and cannot be closed.</summary>
public sealed class EncryptedDeviceBusyException(string message) : Exception(message);
