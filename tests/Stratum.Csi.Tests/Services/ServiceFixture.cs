using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Config;
using Stratum.Csi.Services;
using Stratum.Testing.Lvm;
using Stratum.Testing.Volumes;
using Stratum.Volumes;

namespace Stratum.Csi.Tests.Services;

/// <summary>
/// The Controller and Node services over the real engine on the LVM simulator (VG <c>stratum</c>,
/// two 4 GiB PVs) and an in-memory host, called directly: their behaviour pinned without root or
/// a socket. Classes: <c>default</c>, and <c>elsewhere</c> on a VG that does not exist.
/// </summary>
public sealed class ServiceFixture : IAsyncDisposable
{
    public const string NodeId = "node-a";

    private ServiceFixture(LvmSimulator lvm, FakeFilesystem fs, NodeEngine engine)
    {
        Lvm = lvm;
        Fs = fs;
        Engine = engine;
        Controller = new ControllerService(engine.Volumes, NodeId);
        Node = new NodeService(engine.Node, NodeId);
    }

    public LvmSimulator Lvm { get; }

    public FakeFilesystem Fs { get; }

    public NodeEngine Engine { get; }

    public ControllerService Controller { get; }

    public NodeService Node { get; }

    public static async Task<ServiceFixture> StartAsync()
    {
        var lvm = new LvmSimulator();
        await lvm.AddVolumeGroupAsync("stratum", [4L << 30, 4L << 30]);
        var classes = new DeviceClassManager(new StratumConfig
        {
            DeviceClasses =
            [
                new DeviceClass { Name = "default", VolumeGroup = "stratum", IsDefault = true },
                new DeviceClass { Name = "elsewhere", VolumeGroup = "absent" },
            ],
        });
        var fs = new FakeFilesystem();
        var engine = NodeEngine.Create(lvm, fs, () => classes, new VolumeEngineOptions { NodeId = NodeId }, NullLoggerFactory.Instance);
        await engine.StartAsync(default);
        return new ServiceFixture(lvm, fs, engine);
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Lvm.DisposeAsync();
    }
}
