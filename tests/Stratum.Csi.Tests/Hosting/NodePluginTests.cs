using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.Hosting;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using Stratum.Lvm;
using Stratum.Testing.Lvm;

namespace Stratum.Csi.Tests.Hosting;

/// <summary>Start-up: the socket opens at once; volume calls wait until the engine is ready.</summary>
public sealed class NodePluginTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly LvmSimulator _lvm = new();
    private ServerEndpoint _endpoint = null!;

    public async Task InitializeAsync()
    {
        await _lvm.AddVolumeGroupAsync("stratum", [4L << 30]);
        _endpoint = ServerEndpoint.Parse("unix://" + _directory.File("csi.sock"));
    }

    public async Task DisposeAsync()
    {
        await _lvm.DisposeAsync();
        _directory.Dispose();
    }

    private NodePlugin Plugin() => new(new NodeOptions { Endpoints = [_endpoint], NodeId = "n1" }, new CapturingLoggerProvider().CreateFactory(), new NodeDependencies { Lvm = _lvm });

    [Fact]
    public async Task StartAsync_EngineStillStarting_ProbeNotReadyAndVolumeCallsWait()
    {
        var gate = _lvm.Hold(LvmOperation.Report); // rediscovery reads one report (VGs, PVs, Stratum's LVs)
        await using var plugin = Plugin();
        await plugin.StartAsync();
        using var client = new CsiClient(_endpoint);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));

        var probe = await client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync;
        var capacity = client.Controller.GetCapacityAsync(new GetCapacityRequest(), deadline: DateTime.UtcNow + TimeSpan.FromSeconds(30)).ResponseAsync;
        await Task.Delay(200);

        Assert.False(probe.Ready);
        Assert.False(capacity.IsCompleted);
        gate.Release();
        Assert.True((await capacity).AvailableCapacity > 0);
        Assert.True((await client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync).Ready);
    }

    [Fact]
    public async Task StartAsync_EngineFails_ProbeFailedPreconditionAndVolumeCallsUnavailable()
    {
        _lvm.FailNext(LvmOperation.ListVolumeGroups, new LvmCommandFailedException("lvm is not installed", ["lvm", "vgs"], 127, "lvm: not found"));
        await using var plugin = Plugin();
        await plugin.StartAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => plugin.Readiness.Started);
        using var client = new CsiClient(_endpoint);

        var probe = await Assert.ThrowsAsync<RpcException>(() => client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync);
        var list = await Assert.ThrowsAsync<RpcException>(() => client.Controller.ListVolumesAsync(new ListVolumesRequest()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, probe.StatusCode);
        Assert.Contains("lvm is not installed", probe.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, list.StatusCode);
        Assert.Equal("lvm.stratum.dev", (await client.Identity.GetPluginInfoAsync(new GetPluginInfoRequest()).ResponseAsync).Name);
    }

    [Fact]
    public async Task StartAsync_VolumeCallDeadlineWhileStarting_DeadlineExceeded()
    {
        var gate = _lvm.Hold(LvmOperation.Report);
        await using var plugin = Plugin();
        await plugin.StartAsync();
        using var client = new CsiClient(_endpoint);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(10));

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.Controller.ListVolumesAsync(new ListVolumesRequest(), deadline: DateTime.UtcNow + TimeSpan.FromMilliseconds(300)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        gate.Release();
    }
}
