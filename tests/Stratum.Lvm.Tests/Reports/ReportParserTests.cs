using System.Text.Json;
using Stratum.Lvm.Reports;
using Stratum.Lvm.Tests.TestSupport;

namespace Stratum.Lvm.Tests.Reports;

public sealed class ReportParserTests
{
    private static readonly string[] Command = ["lvm", "lvs"];

    private static LogicalVolume Lv(string name) =>
        ReportParser.ParseLogicalVolumes(RealLvmOutput.LvsAllFields, Command).Single(lv => lv.Name == name);

    [Fact]
    public void ParseLogicalVolumes_RealReport_ReturnsEveryRowInOrder()
    {
        var lvs = ReportParser.ParseLogicalVolumes(RealLvmOutput.LvsAllFields, Command);

        Assert.Equal(
            ["cow1", "[lvol0_pmspare]", "pool", "[pool_tdata]", "[pool_tmeta]", "r1", "[r1_rimage_0]", "[r1_rimage_1]", "[r1_rmeta_0]", "[r1_rmeta_1]", "s1", "snap1", "t1", "thin1"],
            lvs.Select(lv => lv.Name));
        Assert.All(lvs, lv => Assert.Equal("stratum", lv.VolumeGroup));
    }

    [Fact]
    public void ParseLogicalVolumes_LinearOriginWithTags_MapsEveryField()
    {
        var expected = new LogicalVolume
        {
            VolumeGroup = "stratum",
            Name = "t1",
            Uuid = "3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT",
            SizeBytes = 104857600,
            Attributes = "owi-a-s---",
            Tags = TagSet.From(["stratum/name=x#2f", "a=b"]),
            Path = "/dev/stratum/t1",
            DeviceMapperPath = "/dev/mapper/stratum-t1",
            KernelMajor = 253,
            KernelMinor = 0,
            Pool = null,
            Origin = null,
            DataPercent = null,
            MetadataPercent = null,
            SegmentType = "linear",
            IsActive = true,
            Stripes = 1,
        };

        Assert.Equal(expected, Lv("t1"));
    }

    [Fact]
    public void ParseLogicalVolumes_CowSnapshot_HasOriginAndDataPercent()
    {
        var cow = Lv("cow1");

        Assert.Equal("t1", cow.Origin);
        Assert.Equal(0.0, cow.DataPercent);
        Assert.Null(cow.MetadataPercent);
        Assert.True(cow.IsSnapshot);
        Assert.False(cow.IsThinVolume);
        Assert.Equal(20971520, cow.SizeBytes);
    }

    [Fact]
    public void ParseLogicalVolumes_ThinPool_HasNoPathAndBothPercents()
    {
        var pool = Lv("pool");

        Assert.True(pool.IsThinPool);
        Assert.Null(pool.Path);
        Assert.Equal("/dev/mapper/stratum-pool", pool.DeviceMapperPath);
        Assert.Equal(0.0, pool.DataPercent);
        Assert.Equal(10.94, pool.MetadataPercent);
        Assert.True(pool.IsOpen);
    }

    [Fact]
    public void ParseLogicalVolumes_InactiveThinSnapshot_HasNullDeviceNumbersAndSkipFlag()
    {
        var snap = Lv("snap1");

        Assert.False(snap.IsActive);
        Assert.Null(snap.KernelMajor);
        Assert.Null(snap.KernelMinor);
        Assert.Equal("pool", snap.Pool);
        Assert.Equal("thin1", snap.Origin);
        Assert.True(snap.IsThinVolume);
        Assert.True(snap.IsSnapshot);
        Assert.True(snap.ActivationSkip);
        Assert.Equal(0, snap.Stripes);
        Assert.Null(snap.DataPercent);
    }

    [Fact]
    public void ParseLogicalVolumes_ThinVolume_IsNotASnapshot()
    {
        var thin = Lv("thin1");

        Assert.True(thin.IsThinVolume);
        Assert.False(thin.IsSnapshot);
        Assert.False(thin.ActivationSkip);
        Assert.Equal(1073741824, thin.SizeBytes);
        Assert.Equal(0.0, thin.DataPercent);
    }

    [Theory]
    [InlineData("r1", "raid1", 2)]
    [InlineData("s1", "striped", 2)]
    [InlineData("t1", "linear", 1)]
    [InlineData("thin1", "thin", 0)]
    [InlineData("pool", "thin-pool", 1)]
    public void ParseLogicalVolumes_Layouts_ReportSegmentTypeAndStripes(string name, string segtype, int stripes)
    {
        var lv = Lv(name);

        Assert.Equal(segtype, lv.SegmentType);
        Assert.Equal(stripes, lv.Stripes);
    }

    [Fact]
    public void ParseLogicalVolumes_SameInputTwice_RecordsAreEqual()
    {
        var a = ReportParser.ParseLogicalVolumes(RealLvmOutput.LvsAllFields, Command);
        var b = ReportParser.ParseLogicalVolumes(RealLvmOutput.LvsAllFields, Command);

        Assert.Equal<LogicalVolume>(a.AsEnumerable(), b.AsEnumerable());
        Assert.Equal(a[12].GetHashCode(), b[12].GetHashCode());
        Assert.NotEqual(a[12], a[12] with { Tags = TagSet.From(["a=b"]) });
    }

    [Fact]
    public void ParseLogicalVolumes_MultiSegmentLv_RealLvsPrintsOneRowPerSegment()
    {
        using var doc = JsonDocument.Parse(RealLvmOutput.LvsMultiSegment);
        var names = doc.RootElement.GetProperty("report")[0].GetProperty("lv").EnumerateArray().Select(r => r.GetProperty("lv_name").GetString());

        Assert.Equal(["a", "a", "b"], names);
    }

    [Fact]
    public void ParseLogicalVolumes_MultiSegmentLv_ReturnsItOnce()
    {
        var a = LvJson.Row("stratum", "a", size: 16777216, uuid: "rreXA0-xm7o-5dKX-9ZUN-kSHK-L43d-C1IEcP");
        var b = LvJson.Row("stratum", "b", size: 8388608, uuid: "5cdTGE-7Yqs-RiwD-fOaG-MU1f-Te3M-Uk3taZ");

        var lvs = ReportParser.ParseLogicalVolumes(LvJson.Report(a, a, b), Command);

        Assert.Equal(["a", "b"], lvs.Select(lv => lv.Name));
        Assert.Equal(16777216, lvs[0].SizeBytes);
    }

    [Fact]
    public void ParseLogicalVolumes_EmptyReport_ReturnsEmpty()
    {
        Assert.Empty(ReportParser.ParseLogicalVolumes(RealLvmOutput.EmptyLvReport, Command));
    }

    [Fact]
    public void ParseLogicalVolumes_StrayTextAroundJson_IsTolerated()
    {
        var lvs = ReportParser.ParseLogicalVolumes("  some notice\n" + RealLvmOutput.LvsAllFields + "\ntrailing\n", Command);

        Assert.Equal(14, lvs.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json at all")]
    [InlineData("{\"report\": [ {\"lv\": [ {\"lv_name\": } ] } ]}")]
    [InlineData("{\"other\": []}")]
    public void ParseLogicalVolumes_Garbage_ThrowsCommandFailed(string stdout)
    {
        var ex = Assert.Throws<LvmCommandFailedException>(() => ReportParser.ParseLogicalVolumes(stdout, Command));

        Assert.Equal(Command, ex.Command);
    }

    [Theory]
    [InlineData("lv_size", "12.5")]
    [InlineData("lv_size", "")]
    [InlineData("lv_uuid", "")]
    [InlineData("lv_kernel_major", "x")]
    [InlineData("data_percent", "n/a")]
    [InlineData("stripes", "-1")]
    public void ParseLogicalVolumes_BadField_ThrowsCommandFailedNamingTheField(string field, string value)
    {
        var row = LvJson.Row("vg", "lv");
        row[field] = value;

        var ex = Assert.Throws<LvmCommandFailedException>(() => ReportParser.ParseLogicalVolumes(LvJson.Report(row), Command));

        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseVolumeGroups_RealReport_MapsEveryField()
    {
        var vg = Assert.Single(ReportParser.ParseVolumeGroups(RealLvmOutput.Vgs, Command));

        Assert.Equal(new VolumeGroup
        {
            Name = "stratum",
            Uuid = "N1B7t6-lYkg-GhuK-vbpx-gXIT-st1h-r2q8Lc",
            SizeBytes = 8581545984,
            FreeBytes = 8103395328,
            ExtentSizeBytes = 4194304,
            ExtentCount = 2046,
            FreeExtentCount = 1932,
            Attributes = "wz--n-",
            Tags = TagSet.Empty,
            PhysicalVolumeCount = 2,
            LogicalVolumeCount = 7,
        }, vg);
    }

    [Fact]
    public void ParseVolumeGroups_EmptyReport_ReturnsEmpty()
    {
        Assert.Empty(ReportParser.ParseVolumeGroups(RealLvmOutput.EmptyVgReport, Command));
    }

    [Fact]
    public void TagSet_RealVgTags_ParsesLvmList()
    {
        using var doc = JsonDocument.Parse(RealLvmOutput.VgsWithTags);
        var tags = doc.RootElement.GetProperty("report")[0].GetProperty("vg")[0].GetProperty("vg_tags").GetString();

        Assert.Equal(["stratum.io/x=y", "vgtag1"], TagSet.ParseLvmList(tags));
    }

    [Fact]
    public void ParsePhysicalVolumes_RealReport_MapsEveryField()
    {
        var pvs = ReportParser.ParsePhysicalVolumes(RealLvmOutput.Pvs, Command);

        Assert.Equal(2, pvs.Length);
        Assert.Equal(new PhysicalVolume
        {
            Name = "/dev/vda",
            VolumeGroup = "stratum",
            Uuid = "yBWVMF-hnSB-yUYt-NNVL-DdqE-Lixm-xhQIKV",
            SizeBytes = 4290772992,
            FreeBytes = 3883925504,
            Attributes = "a--",
            Tags = TagSet.Empty,
            DeviceSizeBytes = 4294967296,
        }, pvs[0]);
        Assert.Equal(4219469824, pvs[1].FreeBytes);
    }

    [Fact]
    public void ParsePhysicalVolumes_OrphanPv_HasNullVolumeGroup()
    {
        const string json = """{"report": [ {"pv": [ {"pv_name":"/dev/vdc", "vg_name":"", "pv_uuid":"u", "pv_size":"1", "pv_free":"1", "pv_attr":"---", "pv_tags":"", "dev_size":"1"} ]} ]}""";

        Assert.Null(Assert.Single(ReportParser.ParsePhysicalVolumes(json, Command)).VolumeGroup);
    }
}
