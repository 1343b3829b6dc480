using Stratum.Volumes.IoLimits;
using Stratum.Volumes.Tests.IoLimits;
using static Stratum.Volumes.Tests.Engine.EngineFixture;

namespace Stratum.Volumes.Tests.Engine;

/// <summary>IO limits on the node side: publish writes the pod's io.max, unpublish lifts it, a modify rewrites it; on a directory tree standing in for cgroup v2.</summary>
public sealed class IoLimitTests : IAsyncLifetime
{
    private const string Uid = "0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a";
    private const string Staging = "/var/lib/kubelet/plugins/kubernetes.io/csi/lvm.stratum.dev/x/globalmount";
    private const string Target = $"/var/lib/kubelet/pods/{Uid}/volumes/kubernetes.io~csi/pvc-1/mount";

    private EngineFixture _f = null!;
    private string _pod = null!;

    public async Task InitializeAsync()
    {
        _f = await CreateAsync();
        _pod = PodCgroupsTests.Tree(_f.CgroupRoot, $"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{Uid.Replace('-', '_')}.slice");
    }

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private string IoMax => File.ReadAllText(Path.Combine(_pod, "io.max")).TrimEnd();

    private static IoLimitSettings Limits(params (string Key, string Value)[] parameters) =>
        IoLimitSettings.Parse(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));

    private async Task<ManagedVolume> PublishedAsync(IoLimitSettings limits, string? podUid = Uid)
    {
        var volume = await _f.CreateAsync("v1", ioLimits: limits);
        await _f.Node.StageAsync(new StageSpec(volume.Id.ToString(), Staging, false, "ext4", []), default);
        await _f.Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, false, podUid), default);
        return volume;
    }

    private static string Dev(ManagedVolume v) => $"{v.Lv.KernelMajor}:{v.Lv.KernelMinor}";

    [Fact]
    public async Task Publish_WithLimits_PodIoMaxForTheLvsDeviceNumber()
    {
        var volume = await PublishedAsync(Limits(("writeBytesPerSecond", "1Mi"), ("readIOPSPerGiB", "50")));

        Assert.Equal($"{Dev(volume)} rbps=max wbps=1048576 riops=50 wiops=max", IoMax);
    }

    [Fact]
    public async Task Publish_WithLimitsButNoPod_FailedPreconditionAndNotPublished()
    {
        var volume = await _f.CreateAsync("v1", ioLimits: Limits(("writeIOPS", "100")));
        await _f.Node.StageAsync(new StageSpec(volume.Id.ToString(), Staging, false, "ext4", []), default);

        var ex = await Assert.ThrowsAsync<VolumeException>(() =>
            _f.Node.PublishAsync(new PublishSpec(volume.Id.ToString(), Staging, Target, false, false, null), default));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.Contains("podInfoOnMount", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_f.Fs.Changes, c => c.StartsWith("bind", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_WithLimitsOnANodeWithoutTheIoController_FailedPreconditionAndNotPublished()
    {
        File.WriteAllText(Path.Combine(_f.CgroupRoot, "cgroup.controllers"), "cpu memory\n");

        var ex = await Assert.ThrowsAsync<VolumeException>(() => PublishedAsync(Limits(("writeIOPS", "100"))));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.DoesNotContain(_f.Fs.Changes, c => c.StartsWith("bind", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_WithoutLimits_NoCgroupTouched()
    {
        await PublishedAsync(IoLimitSettings.None, podUid: null);

        Assert.Equal(string.Empty, IoMax);
    }

    [Fact]
    public async Task Unpublish_LiftsThePodsLimits()
    {
        var volume = await PublishedAsync(Limits(("writeIOPS", "100")));

        await _f.Node.UnpublishAsync(volume.Id.ToString(), Target, default);

        Assert.Equal($"{Dev(volume)} rbps=max wbps=max riops=max wiops=max", IoMax);
    }

    [Fact]
    public async Task Modify_Published_RewritesThePodsIoMaxAndTheTag()
    {
        var volume = await PublishedAsync(Limits(("writeIOPS", "100")));

        await _f.Node.ModifyAsync(volume.Id.ToString(), Limits(("readBytesPerSecond", "2Mi")), default);

        Assert.Equal($"{Dev(volume)} rbps=2097152 wbps=max riops=max wiops=max", IoMax);
        var lv = await _f.LvAsync(volume);
        Assert.Contains("stratum/io=rbps=2097152", lv!.Tags);
        Assert.DoesNotContain(lv.Tags, t => t.Contains("wiops", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Modify_PublishedWithoutLimits_LimitsTheMountedPod()
    {
        var volume = await PublishedAsync(IoLimitSettings.None, podUid: Uid);

        await _f.Node.ModifyAsync(volume.Id.ToString(), Limits(("writeIOPS", "10")), default);

        Assert.Equal($"{Dev(volume)} rbps=max wbps=max riops=max wiops=10", IoMax);
    }

    [Fact]
    public async Task Modify_ToNone_LiftsAndRemovesTheTag()
    {
        var volume = await PublishedAsync(Limits(("writeIOPS", "100")));

        await _f.Node.ModifyAsync(volume.Id.ToString(), IoLimitSettings.None, default);

        Assert.Equal($"{Dev(volume)} rbps=max wbps=max riops=max wiops=max", IoMax);
        Assert.DoesNotContain((await _f.LvAsync(volume))!.Tags, t => t.StartsWith("stratum/io=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Expand_PerGiBLimits_FollowTheNewSize()
    {
        var volume = await PublishedAsync(Limits(("writeIOPSPerGiB", "10")));

        await _f.Node.ExpandAsync(new ExpandSpec(volume.Id.ToString(), Target, 3 * Gi, 0, null), default);

        Assert.Equal($"{Dev(volume)} rbps=max wbps=max riops=max wiops=30", IoMax);
    }

    [Theory]
    [InlineData("/var/lib/kubelet/pods/0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a/volumes/kubernetes.io~csi/pvc/mount", "0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a")]
    [InlineData("/var/lib/kubelet/plugins/kubernetes.io/csi/volumeDevices/publish/pvc/0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a", "0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a")]
    [InlineData("/var/lib/kubelet/plugins/kubernetes.io/csi/lvm.stratum.dev/x/globalmount", null)]
    [InlineData("/var/lib/kubelet/pods/not-a-uid/volumes/x", null)]
    public void PodUidOf_KubeletPaths(string path, string? expected)
    {
        Assert.Equal(expected, NodeVolumes.PodUidOf(path));
    }
}
