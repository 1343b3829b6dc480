using System.Net.Sockets;
using Stratum.RealLvm.Tests.Harness;

namespace Stratum.RealLvm.Tests.Smoke;

/// <summary>The testbed offers what the real-LVM suite relies on.</summary>
[Collection(RealLvmCollection.Name)]
public sealed class TestbedEnvironmentTests(TestbedFixture testbed)
{
    [Fact]
    public void DisksAreBlankBlockDevices()
    {
        Assert.NotEmpty(testbed.Disks);
        Assert.All(testbed.Disks, disk => Assert.StartsWith("/dev/vd", disk));
        Assert.All(testbed.Disks, disk => Assert.True(File.Exists(disk), $"{disk} is missing"));
    }

    [Fact]
    public async Task DeviceMapperHasTheTargetsStratumUses()
    {
        var targets = (await Sh.RunAsync("dmsetup", "targets")).Stdout;
        foreach (var target in new[] { "linear", "striped", "thin-pool", "thin", "snapshot", "raid", "flakey", "delay", "error" })
        {
            Assert.Matches($"(?m)^{target}\\s", targets);
        }
    }

    [Fact]
    public void FilesystemsAreAvailable()
    {
        var filesystems = File.ReadAllText("/proc/filesystems");
        Assert.Contains("\txfs\n", filesystems);
        Assert.Contains("\text4\n", filesystems);
        Assert.Contains("\tbtrfs\n", filesystems);
    }

    [Fact]
    public void UnixSocketsWorkUnderRun()
    {
        var path = $"/run/tb-{Environment.ProcessId}.sock";
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen();
        }
        File.Delete(path);
    }
}
