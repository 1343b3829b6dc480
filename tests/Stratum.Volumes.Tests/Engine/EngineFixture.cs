using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Filesystems;
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

    private EngineFixture(LvmSimulator lvm, FakeFilesystem fs, NodeEngine engine)
    {
        Lvm = lvm;
        Fs = fs;
        Composed = engine;
    }

    public LvmSimulator Lvm { get; }

    public FakeFilesystem Fs { get; }

    public NodeEngine Composed { get; }

    public VolumeEngine Engine => Composed.Volumes;

    public NodeVolumes Node => Composed.Node;

    public static async Task<EngineFixture> CreateAsync(bool start = true)
    {
        var lvm = new LvmSimulator();
        await lvm.AddVolumeGroupAsync("stratum", [10 * Gi, 10 * Gi]);
        var config = ConfigLoader.LoadFromText("""
            deviceClasses:
              - name: default
                volumeGroup: stratum
                default: true
                spare: 1Gi
              - name: elsewhere
                volumeGroup: absent
            """, "test");
        var classes = new DeviceClassManager(config with
        {
            DeviceClasses = [.. config.DeviceClasses, new DeviceClass { Name = "keep", VolumeGroup = "stratum", DiscardOnDelete = false }],
        });
        var fs = new FakeFilesystem();
        var engine = NodeEngine.Create(lvm, fs, () => classes, new VolumeEngineOptions { NodeId = "n1" }, NullLoggerFactory.Instance);
        var fixture = new EngineFixture(lvm, fs, engine);
        if (start)
        {
            await engine.StartAsync(CancellationToken.None);
        }

        return fixture;
    }

    /// <summary>Creates a volume through the engine and makes its LV's device node exist on the fake host.</summary>
    public async Task<ManagedVolume> CreateAsync(string name, long bytes = Gi, string? deviceClass = null, IReadOnlyList<string>? filesystems = null)
    {
        var volume = await Engine.CreateAsync(new CreateVolumeSpec { Name = name, RequiredBytes = bytes, DeviceClass = deviceClass, MountFilesystems = filesystems ?? [] }, CancellationToken.None);
        AddDevice(volume.Lv);
        return volume;
    }

    public void AddDevice(LogicalVolume lv) =>
        Fs.AddDevice(lv.Path!, new DeviceNumber((uint)lv.KernelMajor!.Value, (uint)lv.KernelMinor!.Value), $"{lv.VolumeGroup}-{lv.Name.Replace("-", "--", StringComparison.Ordinal)}");

    public Task<LogicalVolume?> LvAsync(ManagedVolume volume) => Lvm.Admin.GetLogicalVolumeAsync(volume.Lv.VolumeGroup, volume.Lv.Name, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Composed.DisposeAsync();
        await Lvm.DisposeAsync();
    }
}
