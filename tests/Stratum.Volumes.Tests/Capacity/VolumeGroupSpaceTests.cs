using Stratum.Config;
using Stratum.Lvm;
using Stratum.Volumes.Capacity;

namespace Stratum.Volumes.Tests.Capacity;

public sealed class VolumeGroupSpaceTests
{
    private const long Mi = 1L << 20;
    private const long Extent = 4 * Mi;

    private static VolumeGroupSpace Space(params long[] pvFree)
    {
        var pvs = pvFree.Select((free, i) => new PhysicalVolume
        {
            Name = $"/dev/vd{(char)('a' + i)}",
            VolumeGroup = "vg",
            Uuid = $"pv{i}",
            SizeBytes = 4096 * Mi,
            FreeBytes = free,
            Attributes = "a--",
            Tags = TagSet.Empty,
            DeviceSizeBytes = 4096 * Mi,
        }).ToArray();
        var group = new VolumeGroup
        {
            Name = "vg",
            Uuid = "vg-uuid",
            SizeBytes = pvs.Sum(p => p.SizeBytes),
            FreeBytes = pvFree.Sum(),
            ExtentSizeBytes = Extent,
            ExtentCount = pvs.Sum(p => p.SizeBytes) / Extent,
            FreeExtentCount = pvFree.Sum() / Extent,
            Attributes = "wz--n-",
            Tags = TagSet.Empty,
            PhysicalVolumeCount = pvs.Length,
            LogicalVolumeCount = 0,
        };
        return new VolumeGroupSpace(group, [.. pvs]);
    }

    private static DeviceClass Class(LvType type = LvType.Linear, long spare = 0, int? stripes = null, int? mirrors = null) => new()
    {
        Name = "c",
        VolumeGroup = "vg",
        SpareBytes = spare,
        LvCreate = new LvCreateSettings { Type = type, Stripes = stripes, Mirrors = mirrors },
    };

    [Theory]
    [InlineData(1L, 4 * Mi)]
    [InlineData(4 * Mi, 4 * Mi)]
    [InlineData(4 * Mi + 1, 8 * Mi)]
    [InlineData(1000 * Mi, 1000 * Mi)]
    [InlineData(1001 * Mi, 1004 * Mi)]
    public void RoundUp_Linear_ToExtents(long requested, long expected) =>
        Assert.Equal(expected, Space(1000 * Mi).RoundUp(requested, LvCreateSettings.Default));

    [Fact]
    public void RoundUp_Striped_ToStripesTimesExtent() =>
        Assert.Equal(24 * Mi, Space(1000 * Mi, 1000 * Mi, 1000 * Mi).RoundUp(13 * Mi, new LvCreateSettings { Type = LvType.Striped, Stripes = 3 }));

    [Fact]
    public void Footprint_Raid1_CopiesPlusMetadata() =>
        Assert.Equal(2 * (100 * Mi + Extent), Space(1000 * Mi, 1000 * Mi).Footprint(100 * Mi, new LvCreateSettings { Type = LvType.Raid1, Mirrors = 1 }));

    [Fact]
    public void CapacityFor_LinearWithSpare_FreeMinusSpare()
    {
        var capacity = Space(1000 * Mi, 600 * Mi).CapacityFor(Class(spare: 100 * Mi));

        Assert.Equal(1500 * Mi, capacity.AvailableBytes);
        Assert.Equal(1500 * Mi, capacity.MaximumVolumeBytes);
    }

    [Fact]
    public void CapacityFor_SpareLargerThanFree_Zero()
    {
        var capacity = Space(100 * Mi).CapacityFor(Class(spare: 1000 * Mi));
        Assert.Equal((0L, 0L), (capacity.AvailableBytes, capacity.MaximumVolumeBytes));
    }

    [Fact]
    public void CapacityFor_StripedTwo_LimitedBySecondLargestPv()
    {
        var capacity = Space(1000 * Mi, 200 * Mi, 100 * Mi).CapacityFor(Class(LvType.Striped, stripes: 2));

        Assert.Equal(400 * Mi, capacity.MaximumVolumeBytes);
    }

    [Fact]
    public void CapacityFor_StripedMorePvsNeededThanPresent_NoMaximum() =>
        Assert.Equal(0, Space(1000 * Mi).CapacityFor(Class(LvType.Striped, stripes: 2)).MaximumVolumeBytes);

    [Fact]
    public void CapacityFor_Raid1_HalfOfFreeLessMetadata()
    {
        var capacity = Space(1000 * Mi, 800 * Mi).CapacityFor(Class(LvType.Raid1, mirrors: 1));

        Assert.Equal(896 * Mi, capacity.AvailableBytes);     // (1800/2) - one extent of metadata
        Assert.Equal(796 * Mi, capacity.MaximumVolumeBytes); // the smaller PV, less its metadata extent
    }

    [Fact]
    public void CapacityFor_Raid1OnOnePv_NoMaximum() =>
        Assert.Equal(0, Space(1000 * Mi).CapacityFor(Class(LvType.Raid1, mirrors: 1)).MaximumVolumeBytes);

    [Fact]
    public void CapacityFor_UnalignedFree_FlooredToExtents() =>
        Assert.Equal(8 * Mi, Space(10 * Mi).CapacityFor(Class()).AvailableBytes);
}
