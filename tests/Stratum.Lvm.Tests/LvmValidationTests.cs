namespace Stratum.Lvm.Tests;

public sealed class LvmValidationTests
{
    public static TheoryData<string?, bool> LogicalVolumeNames => new()
    {
        { "pvc-0f3c9a1e-2b4d-4c6e-8f00-112233445566", true },
        { "a", true },
        { "A.b_c+d-e", true },
        { "lv0", true },
        { "x.", true },
        { "...", true },
        { "snap", true },
        { "my_snapshot", true },
        { "tdata", true },
        { new string('n', 127), true },
        { null, false },
        { "", false },
        { new string('n', 128), false },
        { "-lv", false },
        { ".", false },
        { "..", false },
        { "a;rm -rf /", false },
        { "../x", false },
        { "a/b", false },
        { "a b", false },
        { "a\nb", false },
        { "a\0b", false },
        { "ünï", false },
        { "$(reboot)", false },
        { "a@b", false },
        { "a#b", false },
        { "snapshot1", false },
        { "pvmove0", false },
        { "x_cdata", false },
        { "x_cmeta", false },
        { "x_corig", false },
        { "x_mlog", false },
        { "x_mimage_0", false },
        { "lvol0_pmspare", false },
        { "x_rimage_1", false },
        { "x_rmeta_1", false },
        { "pool_tdata", false },
        { "pool_tmeta", false },
        { "x_vorigin", false },
        { "x_vdata", false },
        { "x_cpool", false },
        { "x_imeta", false },
    };

    public static TheoryData<string?, bool> VolumeGroupNames => new()
    {
        { "stratum", true },
        { "vg0", true },
        { "data-vg.1+x_y", true },
        { "snapshot", true },
        { "x_tdata", true },
        { new string('v', 127), true },
        { null, false },
        { "", false },
        { new string('v', 128), false },
        { "-vg", false },
        { ".", false },
        { "..", false },
        { "vg/lv", false },
        { "vg;ls", false },
        { "vg name", false },
        { "@tag", false },
        { "vg\t", false },
    };

    public static TheoryData<string?, bool> Tags => new()
    {
        { "stratum.io/owner", true },
        { "stratum.io/name=pvc-123", true },
        { "a=b", true },
        { "x#2f", true },
        { "A-Z_a+z.0/9=!:&#", true },
        { "a-", true },
        { new string('t', 1024), true },
        { null, false },
        { "", false },
        { new string('t', 1025), false },
        { "-bad", false },
        { "bad tag", false },
        { "x@y", false },
        { "a,b", false },
        { "a;b", false },
        { "a$b", false },
        { "a'b", false },
        { "a\"b", false },
        { "a*b", false },
        { "a%b", false },
        { "a\\b", false },
        { "ü", false },
        { "a\nb", false },
    };

    public static TheoryData<string?, bool> DevicePaths => new()
    {
        { "/dev/sdb", true },
        { "/dev/vda", true },
        { "/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S649NF0R123456", true },
        { "/dev/disk/by-path/pci-0000:00:1f.2-ata-1", true },
        { "/dev/mapper/mpath-a", true },
        { null, false },
        { "", false },
        { "dev/sdb", false },
        { "sdb", false },
        { "../dev/sdb", false },
        { "/dev/../etc/passwd", false },
        { "/dev/./sdb", false },
        { "/dev/sdb/", false },
        { "/dev/sd b", false },
        { "/dev/sdb\n", false },
        { "/dev/sdb\0", false },
        { "-/dev/sdb", false },
        { "@tag", false },
    };

    [Theory]
    [MemberData(nameof(LogicalVolumeNames))]
    public void IsValidLogicalVolumeName_Table_MatchesLvmRules(string? name, bool valid)
    {
        Assert.Equal(valid, LvmValidation.IsValidLogicalVolumeName(name));
        Assert.Equal(valid, LvmValidation.CheckLogicalVolumeName(name) is null);
    }

    [Theory]
    [MemberData(nameof(VolumeGroupNames))]
    public void IsValidVolumeGroupName_Table_MatchesLvmRules(string? name, bool valid)
    {
        Assert.Equal(valid, LvmValidation.IsValidVolumeGroupName(name));
    }

    [Theory]
    [MemberData(nameof(Tags))]
    public void IsValidTag_Table_MatchesLvmRules(string? tag, bool valid)
    {
        Assert.Equal(valid, LvmValidation.IsValidTag(tag));
    }

    [Theory]
    [MemberData(nameof(DevicePaths))]
    public void IsValidDevicePath_Table_AcceptsOnlyCleanAbsolutePaths(string? path, bool valid)
    {
        Assert.Equal(valid, LvmValidation.IsValidDevicePath(path));
    }

    [Fact]
    public void ValidateLogicalVolumeName_Invalid_ThrowsValidationExceptionWithParamNameAndReason()
    {
        var ex = Assert.Throws<LvmValidationException>(() => LvmValidation.ValidateLogicalVolumeName("pool_tmeta", "name"));

        Assert.Equal("name", ex.ParamName);
        Assert.Contains("_tmeta", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ArgumentException>(ex);
    }

    [Theory]
    [InlineData(1L, true)]
    [InlineData(long.MaxValue, true)]
    [InlineData(0L, false)]
    [InlineData(-512L, false)]
    public void CheckSize_Table_RequiresPositive(long bytes, bool valid)
    {
        Assert.Equal(valid, LvmValidation.CheckSize(bytes) is null);
    }

    [Theory]
    [InlineData(1L, 512L)]
    [InlineData(512L, 512L)]
    [InlineData(513L, 1024L)]
    [InlineData(10_000_000L, 10_000_384L)]
    [InlineData(1_073_741_824L, 1_073_741_824L)]
    public void RoundUpToSector_Table_RoundsUpToMultipleOf512(long bytes, long expected)
    {
        Assert.Equal(expected, LvmValidation.RoundUpToSector(bytes));
    }

    [Theory]
    [InlineData("stratum", 119, true)]
    [InlineData("stratum", 120, false)]
    public void CheckFullNameLength_Table_LimitsVgSlashLv(string vg, int lvLength, bool valid)
    {
        Assert.Equal(valid, LvmValidation.CheckFullNameLength(vg, new string('n', lvLength)) is null);
    }
}
