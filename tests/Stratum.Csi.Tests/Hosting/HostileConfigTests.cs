using System.Diagnostics;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.StatusApi;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Testing.Conformance;
using Stratum.Testing.Lvm;

namespace Stratum.Csi.Tests.Hosting;

/// <summary>
/// The bad-input corpus for configuration files: a running plugin whose file is replaced by
/// something hostile (binary garbage, a huge or endless file, a link loop, a directory, YAML
/// built to exhaust the parser, keys that repeat or do not exist, negative sizes, device patterns
/// that name / or leave /dev). Each must be rejected with a precise error that the status
/// service reports, while the plugin keeps its last good configuration, serves the next
/// requests, and touches nothing in LVM.
/// </summary>
public sealed class HostileConfigTests : IAsyncLifetime
{
    private const string Good = "capacityRefreshSeconds: 1\ndeviceClasses:\n  - name: default\n    volumeGroup: stratum\n";
    private const string NotUtf8 = "{path}: is not UTF-8 text (it holds a byte sequence UTF-8 does not allow); is it really the configuration file?";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = new();
    private readonly LvmSimulator _lvm = new();
    private ServerEndpoint _endpoint = null!;
    private NodePlugin? _plugin;
    private CsiClient _client = null!;

    private string ConfigPath => _directory.File("config.yaml");

    /// <summary>A hostile file: how it replaces the configuration, and the error it must get (<c>{path}</c> stands for the file's path).</summary>
    private sealed record HostileConfig(Action<string> Replace, string Error);

    private static readonly Dictionary<string, HostileConfig> Cases = new(StringComparer.Ordinal)
    {
        // ---- the file itself
        ["binary garbage"] = new(path => ReplaceWith(path, Garbage()), NotUtf8),
        ["larger than a configuration can be"] = new(path => ReplaceWith(path, "# " + new string('x', 2 << 20) + "\n" + Good),
            "{path}: is larger than 1048576 characters; is it really the configuration file?"),
        ["a link to an endless device"] = new(path => ReplaceWithLink(path, "/dev/zero"),
            "{path}: is larger than 1048576 characters; is it really the configuration file?"),
        ["a link loop"] = new(path => ReplaceWithLink(path, path), "{path}: cannot read the file: Too many levels of symbolic links : '{path}'"),
        ["a directory"] = new(path =>
        {
            File.Delete(path);
            Directory.CreateDirectory(path);
        }, "{path}: is a directory, not a configuration file"),
        ["removed"] = new(File.Delete, "{path}: file not found"),
        ["invalid UTF-8 in a name"] = new(path => ReplaceWith(path, [.. "deviceClasses:\n  - name: a"u8, 0xFF, 0xFE, .. "b\n    volumeGroup: stratum\n"u8]), NotUtf8),
        ["a NUL in a name"] = new(path => ReplaceWith(path, [.. "deviceClasses:\n  - name: a"u8, 0x00, .. "b\n    volumeGroup: stratum\n"u8]), "{path}: holds a NUL character (line 2): it is binary data, not a configuration file"),

        // ---- YAML built to exhaust the parser
        ["nesting 500,000 levels deep"] = new(path => ReplaceWith(path, "deviceClasses: " + new string('[', 500_000)), "{path}:1:45: invalid YAML: nesting is deeper than 32 levels"),
        ["an alias bomb"] = new(path => ReplaceWith(path, AliasBomb()), "{path}:1:1: unknown key 'l0' at the top level; expected one of deviceClasses, nodes, "),
        ["a duplicate key"] = new(path => ReplaceWith(path, Good + "    volumeGroup: other\n"), "{path}:5:5: invalid YAML: key 'volumeGroup' appears twice in the same mapping"),
        ["an unknown key"] = new(path => ReplaceWith(path, Good + "    sizeLimit: 10Gi\n"), "{path}:5:5: device class 'default': unknown key 'sizeLimit'; expected one of name, volumeGroup, default, spare, fsType, lvcreate, devices, thin, discardOnDelete"),
        ["a YAML type tag"] = new(path => ReplaceWith(path, "deviceClasses: !!python/object/apply:os.system [\"rm -rf /\"]\n"), "{path}:1:49: device class #1 must be a mapping (name, volumeGroup, ...), not the value 'rm -rf /'"),

        // ---- values
        ["a negative spare"] = new(path => ReplaceWith(path, Good + "    spare: -1Gi\n"), "{path}:5:12: device class 'default': spare must not be negative, not '-1Gi'"),
        ["a refresh period beyond any number"] = new(path => ReplaceWith(path, Good.Replace("1\n", "1e400\n", StringComparison.Ordinal)), "{path}:1:25: capacityRefreshSeconds must be a whole number, not '1e400'"),
        ["a volume group that is a path"] = new(path => ReplaceWith(path, Good.Replace("volumeGroup: stratum", "volumeGroup: ../../etc", StringComparison.Ordinal)), "{path}:4:18: device class 'default': volumeGroup '../../etc' is not a valid LVM volume group name"),

        // ---- device patterns
        ["device pattern /"] = new(path => ReplaceWith(path, Good + "    devices: [\"/\"]\n"), "{path}:5:15: device class 'default': device pattern '/' names a root directory, not devices"),
        ["device pattern relative"] = new(path => ReplaceWith(path, Good + "    devices: [dev/sda]\n"), "{path}:5:15: device class 'default': device pattern 'dev/sda' must be an absolute path"),
        ["device pattern leaving /dev"] = new(path => ReplaceWith(path, Good + "    devices: [/dev/../etc/shadow]\n"), "{path}:5:15: device class 'default': device pattern '/dev/../etc/shadow' must be a plain path"),
        ["device pattern matching every device"] = new(path => ReplaceWith(path, Good + "    devices: [\"/dev/*\"]\n"), "{path}:5:15: device class 'default': device pattern '/dev/*' matches every entry of /dev"),
    };

    public static TheoryData<string> HostileConfigs
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Cases.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    public async Task InitializeAsync()
    {
        await _lvm.AddVolumeGroupAsync("stratum", [4L << 30]);
        _endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
        _client = new CsiClient(_endpoint);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_plugin is not null)
        {
            await _plugin.DisposeAsync();
        }

        await _lvm.DisposeAsync();
        _directory.Dispose();
    }

    [Theory]
    [MemberData(nameof(HostileConfigs))]
    public async Task Reload_HostileFile_RejectedWithItsErrorOldConfigServesNothingTouched(string hostile)
    {
        ReplaceWith(ConfigPath, [.. System.Text.Encoding.UTF8.GetBytes(Good)]);
        _plugin = new NodePlugin(new NodeOptions { Endpoints = [_endpoint], NodeId = "node-a", ConfigPath = ConfigPath }, new CapturingLoggerProvider().CreateFactory(), new NodeDependencies { Lvm = _lvm });
        await _plugin.StartAndWaitAsync();
        var mark = _lvm.Calls.Count;
        var lvs = await _lvm.Admin.ListLogicalVolumesAsync("stratum", default);

        Cases[hostile].Replace(ConfigPath);
        await WaitUntilAsync(async () => (await StatusAsync()).Config.RejectedReloads > 0);

        var config = (await StatusAsync()).Config;
        var expected = Cases[hostile].Error.Replace("{path}", ConfigPath, StringComparison.Ordinal);
        Assert.True(config.LastError.StartsWith(expected, StringComparison.Ordinal), $"expected an error starting '{expected}', got '{config.LastError}'");
        Assert.Equal(1, config.Generation);
        Assert.DoesNotContain(_lvm.Calls.Skip(mark), c => RecordingLvm.Mutating.Contains(c.Operation));
        Assert.Equal(lvs, await _lvm.Admin.ListLogicalVolumesAsync("stratum", default));

        // The last good configuration serves on.
        Assert.True((await _client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync).Ready);
        Assert.True((await _client.Controller.GetCapacityAsync(new GetCapacityRequest { Parameters = { ["deviceClass"] = "default" } }).ResponseAsync).AvailableCapacity > 0);
        var created = await _client.Controller.CreateVolumeAsync(new CreateVolumeRequest
        {
            Name = "pvc-after",
            CapacityRange = new CapacityRange { RequiredBytes = 8L << 20 },
            VolumeCapabilities = { new VolumeCapability { Block = new(), AccessMode = new() { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter } } },
        }).ResponseAsync;
        Assert.StartsWith("stratum:", created.Volume.VolumeId, StringComparison.Ordinal);
    }

    /// <summary>Replaces the file in one rename, as an editor or kubelet does.</summary>
    private static void ReplaceWith(string path, byte[] content)
    {
        File.WriteAllBytes(path + ".new", content);
        File.Move(path + ".new", path, overwrite: true);
    }

    private static void ReplaceWith(string path, string content) => ReplaceWith(path, System.Text.Encoding.UTF8.GetBytes(content));

    private static void ReplaceWithLink(string path, string target)
    {
        File.CreateSymbolicLink(path + ".new", target);
        File.Move(path + ".new", path, overwrite: true);
    }

    /// <summary>64 KiB of bytes from a fixed seed: NULs, invalid UTF-8, control characters.</summary>
    private static byte[] Garbage()
    {
        var bytes = new byte[64 << 10];
        new Random(20261202).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Nine levels of nine aliases each (9^9 nodes if expanded), where the classes go.</summary>
    private static string AliasBomb()
    {
        var yaml = new System.Text.StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level <= 9; level++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 9))}]\n");
        }

        return yaml.Append("deviceClasses: *l9\n").ToString();
    }

    private Task<GetStatusResponse> StatusAsync() => _client.Status.GetStatusAsync(new GetStatusRequest()).ResponseAsync;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Within, $"the condition did not hold within {Within.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
