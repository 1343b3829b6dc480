using Stratum.Volumes.IoLimits;
using Stratum.Lvm;
using Stratum.Volumes.Metadata;

namespace Stratum.Volumes.Tests.Metadata;

public sealed class VolumeMetadataTests
{
    [Fact]
    public void ToTags_ThenFromTags_RoundTripsEveryField()
    {
        var metadata = new VolumeMetadata
        {
            CsiName = "pvc-1 ü/#,=x",
            DeviceClass = "fast.nvme",
            RequestedBytes = 1073741824,
            Node = "worker-23",
            PvcNamespace = "db",
            PvcName = "data-postgres-0",
            PvName = "pvc-1",
        };

        var tags = metadata.ToTags();

        Assert.All(tags, t => Assert.True(LvmValidation.IsValidTag(t), t));
        Assert.Equal(metadata, VolumeMetadata.FromTags(TagSet.From(tags)));
    }

    [Fact]
    public void ToTags_OptionalFieldsMissing_OnlyRequiredTags()
    {
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "default", RequestedBytes = 0 }.ToTags();

        Assert.Equal(5, tags.Count);
        Assert.Equal(VolumeMetadata.OwnerTag, tags[0]);
        Assert.Equal(VolumeMetadata.ReadyTag, tags[1]);
    }

    [Theory]
    [InlineData(VolumeState.Creating, VolumeMetadata.CreatingTag)]
    [InlineData(VolumeState.Ready, VolumeMetadata.ReadyTag)]
    [InlineData(VolumeState.Deleting, VolumeMetadata.DeletingTag)]
    public void ToTags_State_WrittenAndReadBack(VolumeState state, string tag)
    {
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "d", RequestedBytes = 1, State = state }.ToTags();

        Assert.Contains(tag, tags);
        Assert.Equal(state, VolumeMetadata.FromTags(TagSet.From(tags))!.State);
    }

    [Fact]
    public void FromTags_NoStateTag_ReadyAsVolumesMadeBeforeTheTagExisted()
    {
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "d", RequestedBytes = 1 }.ToTags().Where(t => t != VolumeMetadata.ReadyTag);

        Assert.Equal(VolumeState.Ready, VolumeMetadata.FromTags(TagSet.From(tags))!.State);
    }

    [Theory]
    [InlineData("stratum/state=finished")]
    [InlineData(VolumeMetadata.ReadyTag, VolumeMetadata.DeletingTag)]
    [InlineData(VolumeMetadata.ReadyTag, VolumeMetadata.CreatingTag)]
    public void FromTags_UnknownOrSeveralStates_NeverReady(params string[] states)
    {
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "d", RequestedBytes = 1 }.ToTags().Where(t => t != VolumeMetadata.ReadyTag).Concat(states);

        Assert.NotEqual(VolumeState.Ready, VolumeMetadata.FromTags(TagSet.From(tags))!.State);
    }

    [Fact]
    public void FromTags_NoOwnerTag_Null()
    {
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "default", RequestedBytes = 1 }.ToTags().Skip(1);
        Assert.Null(VolumeMetadata.FromTags(TagSet.From(tags)));
    }

    [Theory]
    [InlineData("stratum/class=default", "stratum/requested=1")]
    [InlineData("stratum/name=v", "stratum/requested=1")]
    [InlineData("stratum/name=v", "stratum/class=default")]
    [InlineData("stratum/name=v", "stratum/class=default", "stratum/requested=lots")]
    public void FromTags_RequiredTagMissingOrDamaged_Null(params string[] tags) =>
        Assert.Null(VolumeMetadata.FromTags(TagSet.From([VolumeMetadata.OwnerTag, .. tags])));

    [Theory]
    [InlineData("stratum/name=other")]
    [InlineData("stratum/class=striped")]
    [InlineData("stratum/requested=1")]
    [InlineData("stratum/node=node-b")]
    [InlineData("stratum/pvc-name=other")]
    [InlineData("stratum/io=riops#3D10")]
    public void FromTags_KeyWithTwoValues_Null(string second)
    {
        // LVM keeps tags as a set: only a hand-made change gives one key two values, and which is right cannot be told.
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "d", RequestedBytes = 5, Node = "node-a", PvcName = "p", IoLimits = IoLimitSettings.FromTagValue("riops=20")! }.ToTags();

        Assert.NotNull(VolumeMetadata.FromTags(TagSet.From(tags)));
        Assert.Null(VolumeMetadata.FromTags(TagSet.From(tags.Append(second))));
    }

    [Theory]
    [InlineData("stratum/name=pvc#ZZ")]
    [InlineData("stratum/name=pvc#FF")]
    [InlineData("stratum/name=pvc#4")]
    [InlineData("stratum/requested=-1")]
    [InlineData("stratum/requested=99999999999999999999")]
    [InlineData("stratum/node=#G1")]
    [InlineData("stratum/pv-name=pv#")]
    [InlineData("stratum/io=riops#3D0")]
    public void FromTags_ValueThatDoesNotDecode_Null(string damaged)
    {
        var key = damaged[..(damaged.IndexOf('=', StringComparison.Ordinal) + 1)];
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "d", RequestedBytes = 5 }.ToTags().Where(t => !t.StartsWith(key, StringComparison.Ordinal)).Append(damaged);

        Assert.Null(VolumeMetadata.FromTags(TagSet.From(tags)));
    }

    [Fact]
    public void NameTag_IsTheTagToTagsWrites()
    {
        var metadata = new VolumeMetadata { CsiName = "pvc/ä", DeviceClass = "default", RequestedBytes = 0 };
        Assert.Contains(VolumeMetadata.NameTag("pvc/ä"), metadata.ToTags());
    }

    [Fact]
    public void FromTags_ForeignTagsAlongside_Ignored()
    {
        var tags = new VolumeMetadata { CsiName = "v", DeviceClass = "d", RequestedBytes = 5 }.ToTags().Append("backup=nightly").Append("stratum/future=1");
        Assert.Equal("v", VolumeMetadata.FromTags(TagSet.From(tags))!.CsiName);
    }
}
