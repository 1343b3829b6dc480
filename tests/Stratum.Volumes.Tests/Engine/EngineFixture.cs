using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Filesystems;
using Stratum.Volumes.IoLimits;
using Stratum.Testing.Volumes;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>
/// The engine composed as a node composes it, over the LVM simulator (VG <c>stratum</c>, two 10 GiB
/// PVs) and an in-memory host: no root, no devices. Classes: <c>default</c> (1 GiB spare),
/// <c>keep</c> (no discard on delete), <c>elsewhere</c> (a VG that does not exist).
/// </summary>
internal sealed class EngineFixture : IAsyncDisposable
{
    public const long Gi = 1L << 30;
    public const long Mi = 1L << 20;

    private EngineFixture(LvmSimulator lvm, FakeFilesystem fs, NodeEngine engine, FakeEncryption encryption, string cgroupRoot)
    {
        Lvm = lvm;
        Fs = fs;
        Composed = engine;
        Encryption = encryption;
        CgroupRoot = cgroupRoot;
    }

    public FakeEncryption Encryption { get; }

    /// <summary>A private directory standing in for /sys/fs/cgroup (empty until a test builds a tree in it).</summary>
    public string CgroupRoot { get; }

    public LvmSimulator Lvm { get; }

    public FakeFilesystem Fs { get; }

    public NodeEngine Composed { get; }

    public VolumeEngine Engine => Composed.Volumes;

    public NodeVolumes Node => Composed.Node;

    /// <param name="start">Whether to start the engine.</param>
    /// <param name="extraClasses">More device classes, as YAML list items (indented by two spaces).</param>
    public static async Task<EngineFixture> CreateAsync(bool start = true, string extraClasses = "")
    {
        var lvm = new LvmSimulator();
        await lvm.AddVolumeGroupAsync("stratum", [10 * Gi, 10 * Gi]);
        if (extraClasses.Length > 0)
        {
            await lvm.AddVolumeGroupAsync("other", [4 * Gi]);
        }

        var config = ConfigLoader.LoadFromText($"""
            deviceClasses:
              - name: default
                volumeGroup: stratum
                default: true
                spare: 1Gi
              - name: elsewhere
                volumeGroup: absent
            {extraClasses}
            """, "test");
        var classes = new DeviceClassManager(config with
        {
            DeviceClasses = [.. config.DeviceClasses, new DeviceClass { Name = "keep", VolumeGroup = "stratum", DiscardOnDelete = false }],
        });
        var fs = new FakeFilesystem();
        var encryption = new FakeEncryption(fs);
        var cgroupRoot = Directory.CreateTempSubdirectory("stratum-cgroup-").FullName;
        var engine = NodeEngine.Create(
            lvm, fs, () => classes, new VolumeEngineOptions { NodeId = "n1", CgroupRoot = cgroupRoot }, NullLoggerFactory.Instance, encryption);
        var fixture = new EngineFixture(lvm, fs, engine, encryption, cgroupRoot);
        if (start)
        {
            await engine.StartAsync(CancellationToken.None);
        }

        return fixture;
    }

    /// <summary>Creates a volume through the engine and makes its LV's device node exist on the fake host.</summary>
    public async Task<ManagedVolume> CreateAsync(
        string name, long bytes = Gi, string? deviceClass = null, IReadOnlyList<string>? filesystems = null,
        string? encryption = null, IoLimitSettings? ioLimits = null)
    {
        var volume = await Engine.CreateAsync(
            new CreateVolumeSpec
            {
                Name = name, RequiredBytes = bytes, DeviceClass = deviceClass, MountFilesystems = filesystems ?? [],
                Encryption = encryption, IoLimits = ioLimits ?? IoLimitSettings.None,
            },
            CancellationToken.None);
        AddDevice(volume.Lv);
        return volume;
    }

    /// <summary>Makes the device node of an LV (read afresh, so it is active) exist on the fake host.</summary>
    public async Task AddDeviceAsync(string volumeGroup, string name)
    {
        var lv = await Lvm.Admin.GetLogicalVolumeAsync(volumeGroup, name, CancellationToken.None) ?? throw new InvalidOperationException($"{volumeGroup}/{name} does not exist");
        if (lv.IsActive)
        {
            AddDevice(lv);
        }
    }

    public void AddDevice(LogicalVolume lv) =>
        Fs.AddDevice(lv.Path!, new DeviceNumber((uint)lv.KernelMajor!.Value, (uint)lv.KernelMinor!.Value), $"{lv.VolumeGroup}-{lv.Name.Replace("-", "--", StringComparison.Ordinal)}");

    public Task<LogicalVolume?> LvAsync(ManagedVolume volume) => Lvm.Admin.GetLogicalVolumeAsync(volume.Lv.VolumeGroup, volume.Lv.Name, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Composed.DisposeAsync();
        await Lvm.DisposeAsync();
        Directory.Delete(CgroupRoot, recursive: true);
    }
}
