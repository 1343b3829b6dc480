using Stratum.Lvm;
using Stratum.RealLvm.Tests.Harness;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Lvm;

/// <summary>Two PVs of 256 MiB, holding <c>exists</c> (a linear LV) for the whole class.</summary>
public sealed class ErrorTestVolumeGroup() : VolumeGroupFixture(pvCount: 2, pvSizeMiB: 256), IAsyncLifetime
{
    public const string Existing = "exists";

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Sh.RunAsync("lvcreate", "--yes", "--name", Existing, "--size", "8m", VgName);
    }
}

/// <summary>
/// Each error class LvmCli reports, produced by real LVM 2.03 and classified from the stderr it
/// really prints: the exception carries LVM's own exit code and message, not a guess of ours.
/// </summary>
[Collection(RealLvmCollection.Name)]
public sealed class LvmCliErrorTests(ErrorTestVolumeGroup vg, ITestOutputHelper output) : IClassFixture<ErrorTestVolumeGroup>
{
    private const string Missing = "stratum-missing";
    private readonly LvmCli _lvm = LvmUnderTest.Cli(output);

    // ------------------------------------------------------------------ not found

    public static TheoryData<string> NotFoundCases => [.. NotFoundCalls.Keys];

    /// <summary>By name: the call (given the LVM layer and the VG) and what LVM says (<c>{vg}</c>: the VG).</summary>
    private static readonly Dictionary<string, (Func<ILvm, string, Task> Call, string Stderr)> NotFoundCalls = new()
    {
        ["remove LV"] = ((l, vg) => l.RemoveVolumeAsync(vg, Missing, default), $"Failed to find logical volume \"{{vg}}/{Missing}\""),
        ["extend LV"] = ((l, vg) => l.ExtendVolumeAsync(vg, Missing, 1 << 20, default), $"Logical volume {Missing} not found in volume group {{vg}}"),
        ["tag LV"] = ((l, vg) => l.ChangeTagsAsync(vg, Missing, ["t"], [], default), $"Failed to find logical volume \"{{vg}}/{Missing}\""),
        ["activate LV"] = ((l, vg) => l.ActivateVolumeAsync(vg, Missing, default), $"Failed to find logical volume \"{{vg}}/{Missing}\""),
        ["list LVs of VG"] = ((l, vg) => l.ListLogicalVolumesAsync(Missing, default), $"Volume group \"{Missing}\" not found"),
        ["create LV in VG"] = ((l, vg) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = Missing, Name = "x", SizeBytes = 1 << 20 }, default), $"Volume group \"{Missing}\" not found"),
        ["activate VG"] = ((l, vg) => l.ActivateVolumeGroupAsync(Missing, default), $"Volume group \"{Missing}\" not found"),
        ["thin volume in pool"] = ((l, vg) => l.CreateThinVolumeAsync(new CreateThinVolumeRequest { VolumeGroup = vg, Pool = Missing, Name = "x", SizeBytes = 1 << 20 }, default), $"Pool {Missing} not found in Volume group {{vg}}"),
        ["thin snapshot of origin"] = ((l, vg) => l.CreateThinSnapshotAsync(new CreateThinSnapshotRequest { VolumeGroup = vg, Origin = Missing, Name = "x" }, default), $"Snapshot origin LV {Missing} not found in Volume group {{vg}}"),
        ["COW snapshot of origin"] = ((l, vg) => l.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = vg, Origin = Missing, Name = "x", SizeBytes = 1 << 20 }, default), $"Snapshot origin LV {Missing} not found in Volume group {{vg}}"),
        ["pvcreate device"] = ((l, vg) => l.CreatePhysicalVolumeAsync($"/dev/{Missing}", default), $"No device found for /dev/{Missing}"),
    };

    [Theory]
    [MemberData(nameof(NotFoundCases))]
    public async Task AnyOperation_MissingTarget_ThrowsNotFoundWithLvmsMessage(string call)
    {
        var error = await Assert.ThrowsAsync<LvmNotFoundException>(() => NotFoundCalls[call].Call(_lvm, vg.VgName));

        AssertFromLvm(error, NotFoundCalls[call].Stderr.Replace("{vg}", vg.VgName, StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ insufficient space

    public static TheoryData<string> InsufficientSpaceCases => [.. SpaceCalls.Keys];

    // The VG: 2 PVs of 256 MiB = 2 x 63 extents of 4 MiB, 2 of them taken by "exists".
    private static readonly Dictionary<string, (Func<ILvm, string, Task> Call, string Stderr)> SpaceCalls = new()
    {
        ["linear larger than the VG"] = ((l, vg) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "big", SizeBytes = 1L << 30 }, default), "has insufficient free space"),
        ["striped over more PVs than there are"] = ((l, vg) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "wide", SizeBytes = 8 << 20, Stripes = 3 }, default), "Number of stripes (3) must not exceed number of physical volumes (2)"),
        ["raid1 with more images than PVs"] = ((l, vg) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "r3", SizeBytes = 8 << 20, Mirrors = 2 }, default), "Insufficient suitable allocatable extents for logical volume r3: 9 more required"), // 3 x (2 + 1 rmeta)
        ["raid1 legs larger than a PV"] = ((l, vg) => l.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg, Name = "r2", SizeBytes = 250 << 20, Mirrors = 1 }, default), "Insufficient free space"),
        ["extend beyond the VG"] = ((l, vg) => l.ExtendVolumeAsync(vg, ErrorTestVolumeGroup.Existing, 1L << 30, default), "Insufficient free space"),
    };

    [Theory]
    [MemberData(nameof(InsufficientSpaceCases))]
    public async Task Allocation_TooLittleRoom_ThrowsInsufficientSpaceWithLvmsMessage(string call)
    {
        var error = await Assert.ThrowsAsync<LvmInsufficientSpaceException>(() => SpaceCalls[call].Call(_lvm, vg.VgName));

        AssertFromLvm(error, SpaceCalls[call].Stderr);
        Assert.Equal([ErrorTestVolumeGroup.Existing], (await _lvm.ListLogicalVolumesAsync(vg.VgName, default)).Select(lv => lv.Name));
    }

    // ------------------------------------------------------------------ already exists

    [Fact]
    public async Task CreateVolume_ExistingLv_ThrowsAlreadyExistsWithLvmsMessage()
    {
        var error = await Assert.ThrowsAsync<LvmAlreadyExistsException>(() =>
            _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = ErrorTestVolumeGroup.Existing, SizeBytes = 4 << 20 }, default));

        AssertFromLvm(error, $"Logical Volume \"{ErrorTestVolumeGroup.Existing}\" already exists in volume group \"{vg.VgName}\"");
    }

    [Fact]
    public async Task CreateVolumeGroup_ExistingName_ThrowsAlreadyExistsAndLeavesTheDeviceBlank()
    {
        var spare = (await DiskPool.Shared.AllocateAsync(1, 64 << 20, nameof(LvmCliErrorTests)))[0];
        try
        {
            var error = await Assert.ThrowsAsync<LvmAlreadyExistsException>(() =>
                _lvm.CreateVolumeGroupAsync(vg.VgName, [spare.DevicePath], [], default));

            AssertFromLvm(error, $"/dev/{vg.VgName}: already exists in filesystem", exitCode: 3);
            Assert.False((await Sh.TryRunAsync("pvs", spare.DevicePath)).Succeeded, "vgcreate initialised the device anyway");
        }
        finally
        {
            await DiskPool.Shared.ReleaseAsync(spare);
        }
    }

    [Fact]
    public async Task ExtendVolumeGroup_PvAlreadyInIt_ThrowsAlreadyExistsWithLvmsMessage()
    {
        var error = await Assert.ThrowsAsync<LvmAlreadyExistsException>(() =>
            _lvm.ExtendVolumeGroupAsync(vg.VgName, [vg.PvPaths[0]], default));

        AssertFromLvm(error, $"Physical volume '{vg.PvPaths[0]}' is already in volume group '{vg.VgName}'");
    }

    [Fact]
    public async Task CreatePhysicalVolume_PvOfAVg_ThrowsAlreadyExistsWithLvmsMessage()
    {
        var error = await Assert.ThrowsAsync<LvmAlreadyExistsException>(() =>
            _lvm.CreatePhysicalVolumeAsync(vg.PvPaths[0], default));

        AssertFromLvm(error, $"Can't initialize physical volume \"{vg.PvPaths[0]}\" of volume group \"{vg.VgName}\" without -ff");
    }

    // ------------------------------------------------------------------ in use

    [Fact]
    public async Task RemoveVolume_OriginOfACowSnapshot_ThrowsInUseWithoutRunningLvremove()
    {
        await _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = "origin", SizeBytes = 8 << 20 }, default);
        await _lvm.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = vg.VgName, Origin = "origin", Name = "cow", SizeBytes = 4 << 20 }, default);
        try
        {
            var error = await Assert.ThrowsAsync<LvmInUseException>(() => _lvm.RemoveVolumeAsync(vg.VgName, "origin", default));

            // Refused by LvmCli itself: `lvremove --yes` would have removed the snapshot with it.
            Assert.Null(error.ExitCode);
            Assert.Contains("cow", error.Message, StringComparison.Ordinal);
            Assert.NotNull(await _lvm.GetLogicalVolumeAsync(vg.VgName, "cow", default));
        }
        finally
        {
            await Sh.RunAsync("lvremove", "--yes", $"{vg.VgName}/cow", $"{vg.VgName}/origin");
        }
    }

    [Fact]
    public async Task RemoveAndDeactivate_MountedLv_ThrowInUseWithLvmsMessage()
    {
        var lv = await _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = "mounted", SizeBytes = 16 << 20 }, default);
        await Sh.RunAsync("mkfs.ext4", "-q", lv.Path!);
        var target = Directory.CreateDirectory($"/run/{vg.VgName}-mounted").FullName;
        await Sh.RunAsync("mount", lv.Path!, target);
        try
        {
            var remove = await Assert.ThrowsAsync<LvmInUseException>(() => _lvm.RemoveVolumeAsync(vg.VgName, "mounted", default));
            var deactivate = await Assert.ThrowsAsync<LvmInUseException>(() => _lvm.DeactivateVolumeAsync(vg.VgName, "mounted", default));

            AssertFromLvm(remove, $"Logical volume {vg.VgName}/mounted contains a filesystem in use.");
            AssertFromLvm(deactivate, $"Logical volume {vg.VgName}/mounted contains a filesystem in use.");
            Assert.True((await _lvm.GetLogicalVolumeAsync(vg.VgName, "mounted", default))!.IsOpen);
        }
        finally
        {
            await Sh.RunAsync("umount", target);
        }

        await _lvm.RemoveVolumeAsync(vg.VgName, "mounted", default);
    }

    [Fact]
    public async Task DeactivateVolume_OriginOfAMountedCowSnapshot_ThrowsInUseWithLvmsMessage()
    {
        await _lvm.CreateVolumeAsync(new CreateVolumeRequest { VolumeGroup = vg.VgName, Name = "base", SizeBytes = 8 << 20 }, default);
        var snap = await _lvm.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeGroup = vg.VgName, Origin = "base", Name = "base-cow", SizeBytes = 8 << 20 }, default);
        await Sh.RunAsync("mkfs.ext4", "-q", snap.Path!);
        var target = Directory.CreateDirectory($"/run/{vg.VgName}-cow").FullName;
        await Sh.RunAsync("mount", snap.Path!, target);
        try
        {
            var error = await Assert.ThrowsAsync<LvmInUseException>(() => _lvm.DeactivateVolumeAsync(vg.VgName, "base", default));

            AssertFromLvm(error, $"LV {vg.VgName}/base has open 1 snapshot(s), not deactivating.");
            Assert.Contains($"Logical volume {vg.VgName}/base-cow contains a filesystem in use.", error.StandardError, StringComparison.Ordinal);
            Assert.True((await _lvm.GetLogicalVolumeAsync(vg.VgName, "base", default))!.IsActive);
        }
        finally
        {
            await Sh.RunAsync("umount", target);
            await Sh.RunAsync("lvremove", "--yes", $"{vg.VgName}/base-cow", $"{vg.VgName}/base");
        }
    }

    private static void AssertFromLvm(LvmException error, string stderr, int exitCode = 5)
    {
        Assert.Equal(exitCode, error.ExitCode);
        Assert.Contains(stderr, error.StandardError, StringComparison.Ordinal);
        Assert.Equal("lvm", error.Command[0]);
        Assert.False(error.IsTransient);
    }
}
