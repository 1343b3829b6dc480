using Stratum.Volumes.Encryption;
using Stratum.Volumes.Filesystems;

namespace Stratum.Testing.Volumes;

/// <summary>
/// In-memory LUKS over a <see cref="FakeFilesystem"/>: a format records the key and leaves a
/// <c>crypto_LUKS</c> signature; an open checks the key and adds the device-mapper device; every
/// change goes into the filesystem's <see cref="FakeFilesystem.Changes"/> ("luksFormat DEVICE",
/// "luksOpen DEVICE NAME", "luksClose NAME", "luksResize NAME"), never with the key.
/// </summary>
public sealed class FakeEncryption(FakeFilesystem fs) : IVolumeEncryption
{
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    /// <summary>Sectors the open devices get (and what a resize adds).</summary>
    public long Sectors { get; set; } = 2_000_000;

    /// <summary>Names closing fails for as busy.</summary>
    public HashSet<string> Busy { get; } = new(StringComparer.Ordinal);

    /// <summary>Every key passed in, for checks that it never reached anything else.</summary>
    public List<string> KeysSeen { get; } = [];

    public Task FormatAsync(string device, string key, CancellationToken cancellationToken)
    {
        lock (_keys)
        {
            KeysSeen.Add(key);
            fs.Record("luks", $"luksFormat {device}");
            _keys[device] = key;
            fs.SetContents(device, new DeviceContents(false, "crypto_LUKS", "crypto"));
            return Task.CompletedTask;
        }
    }

    public Task OpenAsync(string device, string name, string key, CancellationToken cancellationToken)
    {
        lock (_keys)
        {
            KeysSeen.Add(key);
            Check(device, key);
            fs.Record("luks", $"luksOpen {device} {name}");
            var backing = fs.Stat(device);
            fs.AddMapping(name, new DeviceNumber(backing.DeviceMajor, backing.DeviceMinor), Sectors);
            return Task.CompletedTask;
        }
    }

    public Task VerifyKeyAsync(string device, string key, CancellationToken cancellationToken)
    {
        lock (_keys)
        {
            KeysSeen.Add(key);
            Check(device, key);
            return Task.CompletedTask;
        }
    }

    public Task CloseAsync(string name, CancellationToken cancellationToken)
    {
        if (Busy.Contains(name))
        {
            throw new EncryptedDeviceBusyException($"{name} is busy");
        }

        fs.Record("luks", $"luksClose {name}");
        fs.DropMapping(name);
        return Task.CompletedTask;
    }

    public Task ResizeAsync(string name, string? key, CancellationToken cancellationToken)
    {
        fs.Record("luks", $"luksResize {name}");
        Sectors *= 2;
        fs.ResizeMapping(name, Sectors);
        return Task.CompletedTask;
    }

    private void Check(string device, string key)
    {
        if (!_keys.TryGetValue(device, out var expected) || expected != key)
        {
            throw new EncryptionKeyRejectedException($"no key available for {device}");
        }
    }
}
