using System.Security.Cryptography;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Platform;
using AccessMode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;
using Unit = Stratum.Csi.V1.VolumeUsage.Types.Unit;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    // ================================================================ the node lifecycle, with data that must survive it
    //
    // One test per volume kind walks the whole node side (each step costs LVM commands, about a
    // second each in the VM): stage, publish read-write and read-only, stats, write a checksummed
    // payload, unpublish/unstage/restage/republish, grow online while published, again, delete.

    [Theory]
    [InlineData("ext4")]
    [InlineData("xfs")]
    [InlineData("btrfs")]
    public async Task NodeLifecycle_Filesystem_ServesDataThroughRestageRepublishAndOnlineExpansion(string fsType)
    {
        var capability = Requests.Mount(fsType, AccessMode.SingleNodeWriter, "noatime");
        string staging = Staging("v"), target = Target("rw"), readOnlyTarget = Target("ro");

        // Small btrfs keeps data and metadata together, twice (mixed block groups, DUP): 192 MiB holds ~90 MiB.
        var volume = await CreateVolumeAsync(Name("life-" + fsType), 192 * MiB, capability);
        var lv = (await LvAsync(volume.VolumeId))!;
        var device = ((uint)lv.KernelMajor!.Value, (uint)lv.KernelMinor!.Value);

        // Stage: formats the blank device and mounts it with the flags asked for.
        await StageAsync(volume.VolumeId, staging, capability);
        var staged = Assert.Single(Mounts.Below(staging));
        Assert.Equal(fsType, staged.FsType);
        Assert.Equal(device, Mounts.DeviceOf(staged));
        Assert.Contains("noatime", staged.Options.Split(','));

        // Publish read-write and read-only: binds of the staged filesystem.
        await PublishAsync(volume.VolumeId, staging, target, capability);
        await PublishAsync(volume.VolumeId, staging, readOnlyTarget, capability, readOnly: true);
        var published = Assert.Single(Mounts.Below(target));
        Assert.Equal(device, Mounts.DeviceOf(published));
        Assert.False(published.IsReadOnly);
        Assert.True(Assert.Single(Mounts.Below(readOnlyTarget)).IsReadOnly);

        var hash = await WriteRandomFileAsync(Path.Combine(target, "payload"), PayloadBytes);
        Assert.Equal(hash, await HashAsync(Path.Combine(readOnlyTarget, "payload")));
        var refused = Record.Exception(() => File.WriteAllText(Path.Combine(readOnlyTarget, "nope"), "x"));
        Assert.True(refused is IOException or UnauthorizedAccessException, $"writing through the read-only publish: {refused?.GetType().Name ?? "no error"}");

        var stats = await StatsAsync(volume.VolumeId, target);
        var before = Assert.Single(stats.Usage, u => u.Unit == Unit.Bytes);
        Assert.InRange(before.Total, volume.CapacityBytes / 2, volume.CapacityBytes);
        Assert.InRange(before.Used, PayloadBytes, before.Total);
        Assert.InRange(before.Available, 1, before.Total - PayloadBytes);
        var inodes = Assert.Single(stats.Usage, u => u.Unit == Unit.Inodes);
        if (fsType != "btrfs") // btrfs allocates inodes dynamically and reports none
        {
            Assert.True(inodes.Total > 0 && inodes.Used >= 2 && inodes.Available > 0, inodes.ToString());
        }

        Assert.False(stats.VolumeCondition.Abnormal, stats.VolumeCondition.Message);
        await UnpublishAsync(volume.VolumeId, readOnlyTarget);
        Assert.False(Path.Exists(readOnlyTarget), $"{readOnlyTarget} was left behind");

        // The data survives unpublish, unstage, restage and republish.
        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));

        // Online expansion while published.
        var wanted = volume.CapacityBytes + (128 * MiB);
        if (fsType == "ext4" && !Fixture.Backend.CanGrowExt4Online)
        {
            // Growing a mounted ext4 needs CAP_SYS_RESOURCE, which this host does not give (the VM
            // run covers the successful grow). The failure must say so, and lose nothing.
            var failed = await FailsAsync(StatusCode.Internal, Requests.Expand(volume.VolumeId, target, wanted, 0, capability));
            Assert.Contains("CAP_SYS_RESOURCE", failed.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));
        }
        else
        {
            Assert.Equal(wanted, await ExpandAsync(volume.VolumeId, target, wanted, capability));
            Assert.Equal(wanted, (await LvAsync(volume.VolumeId))!.SizeBytes);
            var grown = Assert.Single((await StatsAsync(volume.VolumeId, target)).Usage, u => u.Unit == Unit.Bytes);
            Assert.True(grown.Total >= before.Total + (64 * MiB), $"the filesystem did not grow: {before.Total} -> {grown.Total} bytes");
            Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));
        }

        // ... and everything after it.
        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(hash, await HashAsync(Path.Combine(target, "payload")));

        await UnpublishAsync(volume.VolumeId, target);
        await UnstageAsync(volume.VolumeId, staging);
        Assert.False(Path.Exists(target), $"{target} was left behind");
        Assert.Empty(Mounts.Below(TestDirectory));
        await DeleteVolumeAsync(volume.VolumeId);
        Assert.Null(await LvAsync(volume.VolumeId));
    }

    [Fact]
    public async Task NodeLifecycle_Block_ServesDataThroughRestageRepublishAndOnlineExpansion()
    {
        var capability = Requests.Block();
        string staging = Staging("b"), target = Target("b");
        var volume = await CreateVolumeAsync(Name("life-block"), 48 * MiB, capability);
        var lv = (await LvAsync(volume.VolumeId))!;

        // Stage mounts nothing; publish binds the LV's device node onto a file at the target.
        await StageAsync(volume.VolumeId, staging, capability);
        Assert.Empty(Mounts.Below(staging));
        await PublishAsync(volume.VolumeId, staging, target, capability);
        var node = FileStatus.StatFollow(target);
        Assert.Equal(FileKind.BlockDevice, node.Kind);
        Assert.Equal(((uint)lv.KernelMajor!.Value, (uint)lv.KernelMinor!.Value), (node.DeviceMajor, node.DeviceMinor));
        Assert.Equal(volume.CapacityBytes, DeviceSize(target));
        var stats = await StatsAsync(volume.VolumeId, target);
        Assert.Equal(Unit.Bytes, Assert.Single(stats.Usage).Unit);
        Assert.Equal(volume.CapacityBytes, stats.Usage[0].Total);
        Assert.False(stats.VolumeCondition.Abnormal, stats.VolumeCondition.Message);

        var hash = await WriteRandomDeviceAsync(target, PayloadBytes);
        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(hash, await HashAsync(target, PayloadBytes));

        // Online expansion, with no capability in the request: the device node at the path says "block".
        var wanted = volume.CapacityBytes + (48 * MiB);
        Assert.Equal(wanted, (await CallAsync<NodeExpandVolumeResponse>(Requests.Expand(volume.VolumeId, target, wanted))).CapacityBytes);
        Assert.Equal(wanted, DeviceSize(target));
        Assert.Equal(wanted, Assert.Single((await StatsAsync(volume.VolumeId, target)).Usage).Total);
        Assert.Equal(wanted, (await CallAsync<ControllerGetVolumeResponse>(new ControllerGetVolumeRequest { VolumeId = volume.VolumeId })).Volume.CapacityBytes);
        Assert.Equal(hash, await HashAsync(target, PayloadBytes));
        var tail = await WriteAtAsync(target, volume.CapacityBytes, 8 * 1024 * 1024); // in the part the expansion added

        await RepublishAsync(volume.VolumeId, staging, target, capability);
        Assert.Equal(wanted, DeviceSize(target));
        Assert.Equal(hash, await HashAsync(target, PayloadBytes));
        Assert.Equal(tail, await HashAtAsync(target, volume.CapacityBytes, 8 * 1024 * 1024));

        await UnpublishAsync(volume.VolumeId, target);
        Assert.False(Path.Exists(target), $"{target} was left behind");
        await UnstageAsync(volume.VolumeId, staging);
        await DeleteVolumeAsync(volume.VolumeId);
        Assert.Null(await LvAsync(volume.VolumeId));
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

    private static async Task<string> WriteAtAsync(string device, long offset, int bytes)
    {
        var data = RandomNumberGenerator.GetBytes(bytes);
        await using (var stream = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 20))
        {
            stream.Seek(offset, SeekOrigin.Begin);
            await stream.WriteAsync(data);
            stream.Flush(flushToDisk: true);
        }

        return Convert.ToHexString(SHA256.HashData(data));
    }

    private static async Task<string> HashAtAsync(string device, long offset, int bytes)
    {
        await using var stream = new FileStream(device, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[bytes];
        await stream.ReadExactlyAsync(buffer);
        return Convert.ToHexString(SHA256.HashData(buffer));
    }
}
