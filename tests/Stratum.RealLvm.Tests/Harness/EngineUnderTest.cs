using Microsoft.Extensions.Logging;
using Stratum.Config;
using Stratum.Lvm;
using Stratum.Platform.Exec;
using Stratum.Volumes;
using Stratum.Volumes.Filesystems;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>
/// The engine as a node composes it (<see cref="NodeEngine"/>), over <see cref="LvmCli"/>, the real
/// filesystem tools and the real runner on a test VG: one instance is one run of the plugin, so a
/// second instance over the same VG is a restart.
/// </summary>
public sealed class EngineUnderTest : IAsyncDisposable
{
    private readonly NodeEngine _engine;

    private EngineUnderTest(NodeEngine engine, ILvm lvm)
    {
        _engine = engine;
        Lvm = lvm;
    }

    public ILvm Lvm { get; }

    /// <summary>The controller side.</summary>
    public VolumeEngine Engine => _engine.Volumes;

    /// <summary>The node side.</summary>
    public NodeVolumes Node => _engine.Node;

    public NodeEngine Composed => _engine;

    /// <summary>One device class, <c>default</c>, on <paramref name="volumeGroup"/>.</summary>
    public static StratumConfig Config(string volumeGroup, bool discardOnDelete = true) => new()
    {
        DeviceClasses = [new DeviceClass { Name = "default", VolumeGroup = volumeGroup, IsDefault = true, DiscardOnDelete = discardOnDelete }],
    };

    /// <summary>Composes the engine over <paramref name="lvm"/> (the product's LvmCli when not given) and starts it.</summary>
    public static async Task<EngineUnderTest> StartAsync(string volumeGroup, ITestOutputHelper output, ILvm? lvm = null, ICommandRunner? runner = null, StratumConfig? config = null)
    {
        runner ??= LvmUnderTest.Runner(output);
        lvm ??= LvmUnderTest.Cli(output, runner);
        var classes = new DeviceClassManager(config ?? Config(volumeGroup));
        var filesystem = new LinuxFilesystemOps(runner, new LinuxFilesystemOpsOptions(), new TestOutputLogger<LinuxFilesystemOps>(output));
        var engine = NodeEngine.Create(lvm, filesystem, () => classes, new VolumeEngineOptions { NodeId = "real-lvm" }, new TestOutputLoggerFactory(output));
        await engine.StartAsync(CancellationToken.None);
        return new EngineUnderTest(engine, lvm);
    }

    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}

/// <summary>Loggers that write into the test's output.</summary>
public sealed class TestOutputLoggerFactory(ITestOutputHelper output) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger<object>(output);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
