using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Unit = Stratum.Csi.V1.VolumeUsage.Types.Unit;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    // ================================================================ data survives the node lifecycle and online expansion

    [Theory]
    [InlineData("ext4")]
    [InlineData("xfs")]
    [InlineData("btrfs")]
    public async Task DataSurvival_Filesystem_ThroughRestageRepublishAndOnlineExpansion(string fsType)
    {
        var capability = Requests.Mount(fsType);
        string staging = Staging("v"), target = Target("v");
        // Small btrfs keeps data and metadata together, twice (mixed block groups, DUP): 192 MiB holds ~90 MiB.
        var volume = await PublishedFilesystemAsync(Name("data-" + fsType), fsType, 192 * MiB, staging, target);
        var hash = await WriteRandomFileAsync(Path.Combine(target, "payload"), PayloadBytes);

        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));

        var before = Assert.Single((await StatsAsync(volume.VolumeId, target)).Usage, u => u.Unit == Unit.Bytes);
        var wanted = volume.CapacityBytes + (128 * MiB);
        if (fsType == "ext4" && !Fixture.Backend.CanGrowExt4Online)
        {
            // Growing a mounted ext4 needs CAP_SYS_RESOURCE, which this host does not give (the VM
            // run covers the successful grow). The failure must say so, and lose nothing.
            var failed = await FailsAsync(StatusCode.Internal, Requests.Expand(volume.VolumeId, target, wanted, 0, capability));
            Assert.Contains("CAP_SYS_RESOURCE", failed.Detail, StringComparison.Ordinal);
            Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));
            await RepublishAsync(volume.VolumeId, staging, target, capability);
            Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));
            return;
        }

        var grown = await ExpandAsync(volume.VolumeId, target, wanted, capability);

        Assert.Equal(wanted, grown);
        Assert.Equal(wanted, (await LvAsync(volume.VolumeId))!.SizeBytes);
        var after = Assert.Single((await StatsAsync(volume.VolumeId, target)).Usage, u => u.Unit == Unit.Bytes);
        Assert.True(after.Total >= before.Total + (64 * MiB), $"the filesystem did not grow: {before.Total} -> {after.Total} bytes");
        Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));
        var more = await WriteRandomFileAsync(Path.Combine(target, "more"), PayloadBytes);

        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));
        Assert.Equal(more, await HashAsync(Path.Combine(target, "more")));
        Assert.Equal(after.Total, Assert.Single((await StatsAsync(volume.VolumeId, target)).Usage, u => u.Unit == Unit.Bytes).Total);
    }

    [Fact]
    public async Task DataSurvival_Block_ThroughRestageRepublishAndOnlineExpansion()
    {
        var capability = Requests.Block();
        string staging = Staging("b"), target = Target("b");
        var volume = await CreateVolumeAsync(Name("data-block"), 48 * MiB, capability);
        await StageAsync(volume.VolumeId, staging, capability);
        await PublishAsync(volume.VolumeId, staging, target, capability);
        var hash = await WriteRandomDeviceAsync(target, PayloadBytes);

        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(hash, await HashAsync(target, PayloadBytes));

        var wanted = volume.CapacityBytes + (48 * MiB);
        Assert.Equal(wanted, await ExpandAsync(volume.VolumeId, target, wanted, capability));
        Assert.Equal(wanted, DeviceSize(target));
        Assert.Equal(hash, await HashAsync(target, PayloadBytes));
        var tail = await WriteTailAsync(target, volume.CapacityBytes, PayloadBytes); // in the new part of the device

        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(wanted, DeviceSize(target));
        Assert.Equal(hash, await HashAsync(target, PayloadBytes));
        Assert.Equal(tail, await HashTailAsync(target, volume.CapacityBytes, PayloadBytes));
    }

    /// <summary>Unpublishes and unstages the volume (checking both are gone), then stages and publishes it again.</summary>
    private async Task RepublishAsync(string volumeId, string staging, string target, VolumeCapability capability)
    {
        await UnpublishAsync(volumeId, target);
        await UnstageAsync(volumeId, staging);
        Assert.Empty(Mounts.Below(TestDirectory));
        Assert.False(Path.Exists(target), $"{target} is still there after NodeUnpublishVolume");
        await StageAsync(volumeId, staging, capability);
        await PublishAsync(volumeId, staging, target, capability);
    }

    private static async Task<string> WriteTailAsync(string device, long offset, int bytes)
    {
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes);
        await using (var stream = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 20))
        {
            stream.Seek(offset, SeekOrigin.Begin);
            await stream.WriteAsync(data);
            stream.Flush(flushToDisk: true);
        }

        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data));
    }

    private static async Task<string> HashTailAsync(string device, long offset, int bytes)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[bytes];
        await stream.ReadExactlyAsync(buffer);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(buffer));
    }
}
