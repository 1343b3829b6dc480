using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Stratum.RealLvm.Tests.Harness;
using Stratum.Volumes;
using Stratum.Volumes.Metadata;
using Stratum.Volumes.Snapshots;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Engine;

/// <summary>
/// Encrypted volumes (LUKS2) on real LVM and real dm-crypt: a known plaintext written through the
/// mount is absent from the raw LV; a wrong key fails cleanly and changes nothing; restage with the
/// right key and online expansion keep the data; the key never shows in a process's argv (polled
/// from /proc while cryptsetup runs), in a command the runner starts, or in a log line. A thin
/// snapshot, a restore from it and a clone stay encrypted: no plaintext on their LVs, and the
/// same key opens them.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class EncryptionRealTests(VolumeGroupFixture vg, ITestOutputHelper output) : IClassFixture<VolumeGroupFixture>, IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private const string Key = "k3y-Only-On-Stdin-7f0c2e";
    private const string Marker = "STRATUM-PLAINTEXT-MARKER-0123456789";

    private readonly string _work = Path.Combine("/run", "stratum-luks-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(_work, StringComparison.Ordinal)).Reverse())
        {
            await Sh.TryRunAsync("umount", mount);
        }

        foreach (var name in Directory.EnumerateFiles("/dev/mapper", NodeVolumes.CryptMappingPrefix + "*"))
        {
            await Sh.TryRunAsync("cryptsetup", "close", Path.GetFileName(name));
        }

        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Filesystem_PlaintextAbsentFromLv_WrongKeyChangesNothing_RestageAndExpandKeepData_KeyNeverShown()
    {
        var argvs = new ConcurrentQueue<string>();
        var logs = new ConcurrentQueue<string>();
        var runner = new CountingRunner(LvmUnderTest.Runner(output)) { OnStart = spec => argvs.Enqueue(spec.ToString()) };
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output, runner: runner, loggers: new RecordingLoggers(output, logs));
        var volume = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-luks", RequiredBytes = 64 * MiB, Encryption = VolumeMetadata.Luks2 }, CancellationToken.None);
        var id = volume.Id.ToString();
        var staging = Path.Combine(_work, "staging");
        var target = Path.Combine(_work, "pods", "p1", "mount");
        var stage = new StageSpec(id, staging, false, "ext4", []) { Secrets = Secrets(Key) };
        var cmdlines = new ConcurrentQueue<string>();

        // First stage: luksFormat, open, mkfs, mount; /proc polled for the key all along.
        await WhilePollingCmdlinesAsync(cmdlines, () => engine.Node.StageAsync(stage, CancellationToken.None));
        await engine.Node.PublishAsync(new PublishSpec(id, staging, target, false, false), CancellationToken.None);
        var payload = string.Concat(Enumerable.Repeat(Marker + "\n", 4096));
        await File.WriteAllTextAsync(Path.Combine(target, "data.txt"), payload);
        await Sh.RunAsync("sync");

        var dump = (await Sh.RunAsync("cryptsetup", "luksDump", volume.DevicePath)).Stdout;
        output.WriteLine(dump);
        var fields = dump.Split('\n').Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains("Version: 2", fields);
        Assert.Contains("PBKDF: argon2id", fields);
        Assert.Contains("Memory: 65536", fields);
        Assert.Contains("Time cost: 4", fields);
        Assert.False(await LvContainsAsync(volume.DevicePath, Marker), "the plaintext is readable on the raw LV");
        var mapping = $"/dev/mapper/{NodeVolumes.CryptMappingName(volume.Lv.Name)}";
        Assert.True(await LvContainsAsync(mapping, Marker), "the plaintext is not on the open LUKS device (the search would miss it)");

        await engine.Node.UnpublishAsync(id, target, CancellationToken.None);
        await engine.Node.UnstageAsync(id, staging, CancellationToken.None);
        Assert.False(File.Exists(mapping), "unstage left the LUKS device open");

        // A wrong key: PERMISSION_DENIED's kind, nothing opened, mounted or rewritten.
        var header = await HashAsync(volume.DevicePath);
        var wrong = await Assert.ThrowsAsync<VolumeException>(() => engine.Node.StageAsync(stage with { Secrets = Secrets("not-the-key") }, CancellationToken.None));
        output.WriteLine($"wrong key: {wrong.Error}: {wrong.Message}");
        Assert.Equal(VolumeError.PermissionDenied, wrong.Error);
        Assert.Equal(header, await HashAsync(volume.DevicePath));
        Assert.False(File.Exists(mapping));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(staging, StringComparison.Ordinal));

        // Restage with the right key: the data is back, nothing formatted again.
        await WhilePollingCmdlinesAsync(cmdlines, () => engine.Node.StageAsync(stage, CancellationToken.None));
        await engine.Node.PublishAsync(new PublishSpec(id, staging, target, false, false), CancellationToken.None);
        Assert.Equal(payload, await File.ReadAllTextAsync(Path.Combine(target, "data.txt")));

        // Online expansion: LV, then LUKS, then ext4; the data stays readable.
        var before = new DriveInfo(target).TotalSize;
        var size = await engine.Node.ExpandAsync(new ExpandSpec(id, target, 160 * MiB, 0, false) { Secrets = Secrets(Key) }, CancellationToken.None);
        var after = new DriveInfo(target).TotalSize;
        output.WriteLine($"filesystem {before} -> {after} bytes; LV {size}");
        Assert.Equal(160 * MiB, size);
        Assert.True(after > before + (64 * MiB), $"the filesystem did not grow ({before} -> {after})");
        Assert.Equal(payload, await File.ReadAllTextAsync(Path.Combine(target, "data.txt")));

        await engine.Node.UnpublishAsync(id, target, CancellationToken.None);
        await engine.Node.UnstageAsync(id, staging, CancellationToken.None);
        await engine.Engine.DeleteAsync(id, CancellationToken.None);

        Assert.Contains(argvs, a => a.StartsWith("cryptsetup luksFormat", StringComparison.Ordinal));
        Assert.Contains(argvs, a => a.StartsWith("cryptsetup open", StringComparison.Ordinal));
        Assert.DoesNotContain(argvs, a => a.Contains(Key, StringComparison.Ordinal));
        Assert.Contains(cmdlines, c => c.Contains("cryptsetup", StringComparison.Ordinal)); // the poller did see cryptsetup run
        Assert.DoesNotContain(cmdlines, c => c.Contains(Key, StringComparison.Ordinal));
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(logs, l => l.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RawBlock_PlaintextAbsentFromLv_UnstageCloses()
    {
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output);
        var volume = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-luks-block", RequiredBytes = 32 * MiB, Encryption = VolumeMetadata.Luks2 }, CancellationToken.None);
        var id = volume.Id.ToString();
        var staging = Path.Combine(_work, "bstaging");
        var target = Path.Combine(_work, "bpods", "dev");

        await engine.Node.StageAsync(new StageSpec(id, staging, true, null, []) { Secrets = Secrets(Key) }, CancellationToken.None);
        await engine.Node.PublishAsync(new PublishSpec(id, staging, target, true, false), CancellationToken.None);
        await using (var device = new FileStream(target, FileMode.Open, FileAccess.Write))
        {
            var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Marker, 1024)));
            await device.WriteAsync(bytes);
            device.Flush(flushToDisk: true);
        }

        Assert.True(await LvContainsAsync(target, Marker));
        Assert.False(await LvContainsAsync(volume.DevicePath, Marker), "the plaintext is readable on the raw LV");
        await engine.Node.UnpublishAsync(id, target, CancellationToken.None);
        await engine.Node.UnstageAsync(id, staging, CancellationToken.None);
        Assert.False(File.Exists($"/dev/mapper/{NodeVolumes.CryptMappingName(volume.Lv.Name)}"));
        await engine.Engine.DeleteAsync(id, CancellationToken.None);
    }

    [Fact]
    public async Task ThinSnapshotRestoreAndClone_StayEncryptedWithTheSameKey()
    {
        var config = new Stratum.Config.StratumConfig
        {
            DeviceClasses =
            [
                new Stratum.Config.DeviceClass { Name = "default", VolumeGroup = vg.VgName, IsDefault = true },
                new Stratum.Config.DeviceClass
                {
                    Name = "thin",
                    VolumeGroup = vg.VgName,
                    Thin = new Stratum.Config.ThinPoolSettings { Pool = "luks-pool", Size = Stratum.Config.ThinPoolSize.Absolute(256 * MiB), OverprovisionRatio = 4 },
                },
            ],
        };
        await using var engine = await EngineUnderTest.StartAsync(vg.VgName, output, config: config);
        var source = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-luks-src", RequiredBytes = 64 * MiB, DeviceClass = "thin", Encryption = VolumeMetadata.Luks2 }, CancellationToken.None);
        var staging = Path.Combine(_work, "src");
        await engine.Node.StageAsync(new StageSpec(source.Id.ToString(), staging, false, "ext4", []) { Secrets = Secrets(Key) }, CancellationToken.None);
        var payload = string.Concat(Enumerable.Repeat(Marker + "\n", 4096));
        await File.WriteAllTextAsync(Path.Combine(staging, "data.txt"), payload);
        await Sh.RunAsync("sync");

        // Taken while the source is mounted (its filesystem frozen around the lvcreate).
        var snapshot = await engine.Engine.Snapshots.CreateAsync("snap-luks", source.Id.ToString(), CancellationToken.None);
        var thinSnap = new VolumeSource(VolumeSourceKind.Snapshot, snapshot.Id.ToString());
        // The restore's request names no encryption (a StorageClass without the parameter): it stays encrypted all the same.
        var restored = await engine.Engine.CreateAsync(new CreateVolumeSpec { Name = "pvc-luks-restored", RequiredBytes = 64 * MiB, DeviceClass = "thin", Source = thinSnap }, CancellationToken.None);
        var clone = await engine.Engine.CreateAsync(
            new CreateVolumeSpec { Name = "pvc-luks-clone", RequiredBytes = 64 * MiB, DeviceClass = "thin", Encryption = VolumeMetadata.Luks2, Source = new VolumeSource(VolumeSourceKind.Volume, source.Id.ToString()) },
            CancellationToken.None);
        await engine.Node.UnstageAsync(source.Id.ToString(), staging, CancellationToken.None);

        Assert.Equal(VolumeMetadata.Luks2, snapshot.Metadata.Encryption);
        foreach (var (copy, name) in new[] { (restored, "restored"), (clone, "clone") })
        {
            output.WriteLine($"{name}: {copy.Id} encryption={copy.Metadata.Encryption} origin={copy.Lv.Origin}");
            Assert.Equal(VolumeMetadata.Luks2, copy.Metadata.Encryption);
            Assert.False(await LvContainsAsync(copy.DevicePath, Marker), $"the plaintext is readable on the raw LV of the {name} volume");
            var at = Path.Combine(_work, name);
            await engine.Node.StageAsync(new StageSpec(copy.Id.ToString(), at, false, "ext4", []) { Secrets = Secrets(Key) }, CancellationToken.None);
            Assert.True(File.Exists($"/dev/mapper/{NodeVolumes.CryptMappingName(copy.Lv.Name)}"), $"the {name} volume was not opened through LUKS");
            Assert.Equal(payload, await File.ReadAllTextAsync(Path.Combine(at, "data.txt")));
            await engine.Node.UnstageAsync(copy.Id.ToString(), at, CancellationToken.None);
        }

        await engine.Engine.DeleteAsync(restored.Id.ToString(), CancellationToken.None);
        await engine.Engine.DeleteAsync(clone.Id.ToString(), CancellationToken.None);
        await engine.Engine.Snapshots.DeleteAsync(snapshot.Id.ToString(), CancellationToken.None);
        await engine.Engine.DeleteAsync(source.Id.ToString(), CancellationToken.None);
    }

    private static Dictionary<string, string> Secrets(string key) => new() { [NodeVolumes.EncryptionKeySecret] = key };

    private static async Task<bool> LvContainsAsync(string device, string text) =>
        (await Sh.TryRunAsync("grep", "-a", "-c", "-F", text, device)).ExitCode == 0;

    private static async Task<string> HashAsync(string device)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Read);
        var buffer = new byte[16 * MiB]; // the LUKS2 header area
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false);
        return Convert.ToHexString(SHA256.HashData(buffer.AsSpan(0, read)));
    }

    /// <summary>Runs <paramref name="action"/> while reading every process's argv from /proc every few milliseconds.</summary>
    private static async Task WhilePollingCmdlinesAsync(ConcurrentQueue<string> seen, Func<Task> action)
    {
        using var stop = new CancellationTokenSource();
        var poller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    try
                    {
                        var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                        if (cmdline.Length > 0)
                        {
                            seen.Enqueue(cmdline);
                        }
                    }
                    catch (IOException)
                    {
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }

                await Task.Delay(20); // cryptsetup runs for seconds (the KDF), so it is seen many times
            }
        });
        try
        {
            await action();
        }
        finally
        {
            await stop.CancelAsync();
            await poller;
        }
    }

    /// <summary>Loggers that write into the test's output and keep every formatted line.</summary>
    private sealed class RecordingLoggers(ITestOutputHelper output, ConcurrentQueue<string> lines) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Logger(new TestOutputLogger<object>(output), lines);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(ILogger inner, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lines.Enqueue($"{formatter(state, exception)} {exception}");
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
