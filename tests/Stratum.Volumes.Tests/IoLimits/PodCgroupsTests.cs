using Stratum.Volumes.Filesystems;
using Stratum.Volumes.IoLimits;

namespace Stratum.Volumes.Tests.IoLimits;

/// <summary>PodCgroups on a directory tree laid out as kubelet lays out cgroup v2 (files stand in for the kernel's).</summary>
public sealed class PodCgroupsTests : IDisposable
{
    private const string Uid = "0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a";
    private static readonly DeviceNumber Device = new(253, 1000);
    private readonly string _root = Directory.CreateTempSubdirectory("stratum-cg-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Makes a cgroup v2 root with the io controller and the given pod directory (relative), with an empty io.max.</summary>
    internal static string Tree(string root, string pod, string controllers = "cpuset cpu io memory pids")
    {
        File.WriteAllText(Path.Combine(root, "cgroup.controllers"), controllers + "\n");
        var dir = Path.Combine(root, pod);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "io.max"), string.Empty);
        return dir;
    }

    [Theory]
    [InlineData("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b4e1f7a_6c1d_4a4b_9a43_1f0e2d3c4b5a.slice")]
    [InlineData("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b4e1f7a_6c1d_4a4b_9a43_1f0e2d3c4b5a.slice")]
    [InlineData("kubepods.slice/kubepods-pod0b4e1f7a_6c1d_4a4b_9a43_1f0e2d3c4b5a.slice")]
    [InlineData("kubepods/burstable/pod0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a")]
    [InlineData("kubepods/pod0b4e1f7a-6c1d-4a4b-9a43-1f0e2d3c4b5a")]
    [InlineData("kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod0b4e1f7a_6c1d_4a4b_9a43_1f0e2d3c4b5a.slice")]
    public void Apply_KubeletLayouts_WritesThePodsIoMax(string pod)
    {
        var dir = Tree(_root, pod);
        Directory.CreateDirectory(Path.Combine(_root, "kubepods.slice", "unrelated"));

        var written = new PodCgroups(_root).Apply(Uid, Device, new IoMax(1, 2, 3, null));

        Assert.Equal(dir, written);
        Assert.Equal("253:1000 rbps=1 wbps=2 riops=3 wiops=max\n", File.ReadAllText(Path.Combine(dir, "io.max")));
    }

    [Fact]
    public void Apply_NoCgroupV2_FailedPreconditionSaysWhy()
    {
        var ex = Assert.Throws<VolumeException>(() => new PodCgroups(_root).Apply(Uid, Device, new IoMax(1, null, null, null)));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.Contains("no cgroup v2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_NoIoController_FailedPreconditionSaysWhy()
    {
        Tree(_root, $"kubepods/pod{Uid}", controllers: "cpu memory pids");

        var ex = Assert.Throws<VolumeException>(() => new PodCgroups(_root).Apply(Uid, Device, new IoMax(1, null, null, null)));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
        Assert.Contains("no io controller", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_PodWithoutCgroup_FailedPrecondition()
    {
        Tree(_root, "kubepods/pod11111111-2222-3333-4444-555555555555");

        var ex = Assert.Throws<VolumeException>(() => new PodCgroups(_root).Apply(Uid, Device, new IoMax(1, null, null, null)));

        Assert.Equal(VolumeError.FailedPrecondition, ex.Error);
    }

    [Fact]
    public void Lift_AfterApply_WritesMax_AndFindLimitedFindsThePod()
    {
        var dir = Tree(_root, $"kubepods/burstable/pod{Uid}");
        var cgroups = new PodCgroups(_root);
        cgroups.Apply(Uid, Device, new IoMax(1, 2, 3, 4));

        Assert.Equal([dir], cgroups.FindLimited(Device));
        Assert.Empty(cgroups.FindLimited(new DeviceNumber(253, 1)));
        Assert.Equal(dir, cgroups.Lift(Uid, Device));

        Assert.Equal("253:1000 rbps=max wbps=max riops=max wiops=max\n", File.ReadAllText(Path.Combine(dir, "io.max")));
    }

    [Fact]
    public void Lift_PodGone_Nothing()
    {
        Tree(_root, "kubepods");

        Assert.Null(new PodCgroups(_root).Lift(Uid, Device));
    }
}
