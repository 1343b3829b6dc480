using Stratum.Csi;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Volumes.Metadata;
using AccessMode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;
using ControllerType = Stratum.Csi.V1.ControllerServiceCapability.Types.RPC.Types.Type;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    // ================================================================ CreateVolume

    [Theory]
    [InlineData(ConformanceFixture.LinearClass, "linear", 1)]
    [InlineData(ConformanceFixture.SpareClass, "linear", 1)]
    [InlineData(ConformanceFixture.XfsClass, "linear", 1)]
    [InlineData(ConformanceFixture.StripedClass, "striped", 2)]
    [InlineData(ConformanceFixture.Raid1Class, "raid1", 2)]
    public async Task CreateVolume_EachDeviceClass_CarvesTheClassLayoutRoundedToItsAllocationUnit(string deviceClass, string segmentType, int stripes)
    {
        var extent = await ExtentBytesAsync();
        var requested = 2 * extent + 1; // not a multiple of any allocation unit

        var volume = await CreateVolumeAsync(Name("cls-" + deviceClass), requested, Requests.Block(), deviceClass);

        var unit = deviceClass == ConformanceFixture.StripedClass ? 2 * extent : extent;
        Assert.Equal(RoundUp(requested, unit), volume.CapacityBytes);
        Assert.Equal(deviceClass, volume.VolumeContext["deviceClass"]);
        var topology = Assert.Single(volume.AccessibleTopology);
        Assert.Equal(ConformanceFixture.NodeId, topology.Segments[CsiTopology.NodeKey]);
        var lv = await LvAsync(volume.VolumeId);
        Assert.NotNull(lv);
        Assert.Equal(IdOf(volume.VolumeId).Uuid, lv.Uuid);
        Assert.Equal(segmentType, lv.SegmentType);
        Assert.Equal(stripes, lv.Stripes);
        Assert.Equal(volume.CapacityBytes, lv.SizeBytes);
        Assert.True(VolumeMetadata.IsOwned(lv), $"{lv.FullName} lacks the owner tag: {string.Join(' ', lv.Tags)}");
        Assert.True(lv.IsActive);
    }

    [Theory]
    [InlineData("xfs", ConformanceFixture.LinearClass, XfsMinimum)]
    [InlineData("btrfs", ConformanceFixture.LinearClass, BtrfsMinimum)]
    [InlineData("", ConformanceFixture.XfsClass, XfsMinimum)]
    public async Task CreateVolume_SmallMountVolume_IsRaisedToTheFilesystemMinimum(string fsType, string deviceClass, long minimum)
    {
        var volume = await CreateVolumeAsync(Name("min"), 8 * MiB, Requests.Mount(fsType), deviceClass);

        Assert.Equal(RoundUp(minimum, await ExtentBytesAsync()), volume.CapacityBytes);
    }

    [Fact]
    public async Task CreateVolume_BlockAndExt4_KeepTheRequestedSize()
    {
        var extent = await ExtentBytesAsync();
        var request = Requests.Create(Name("small"), 2 * extent, Requests.Block());
        request.VolumeCapabilities.Add(Requests.Mount("ext4"));

        var volume = (await CallAsync<CreateVolumeResponse>(request)).Volume;

        Assert.Equal(2 * extent, volume.CapacityBytes);
    }

    // ================================================================ DeleteVolume

    [Fact]
    public async Task DeleteVolume_Existing_RemovesTheLvGivesTheSpaceBackAndASecondCallChangesNothing()
    {
        var volume = await CreateVolumeAsync(Name("del"), 16 * MiB, Requests.Block());
        await SettleAsync(); // the creation's report has brought in what earlier tests changed behind the plugin's back
        var before = await CapacityAsync();

        await DeleteVolumeAsync(volume.VolumeId);

        Assert.Null(await LvAsync(volume.VolumeId));
        Assert.Equal(before.AvailableCapacity + volume.CapacityBytes, (await CapacityAsync()).AvailableCapacity);
        await FailsAsync(StatusCode.NotFound, new ControllerGetVolumeRequest { VolumeId = volume.VolumeId });
        await RepeatUnchangedAsync(() => CallAsync<DeleteVolumeResponse>(new DeleteVolumeRequest { VolumeId = volume.VolumeId }));
    }

    public static TheoryData<string> NeverExistingIds => new()
    {
        "our-vg",          // a well-formed id in the suite's VG, of an LV that never existed
        "missing-vg",      // a well-formed id in a VG that does not exist
        "not-an-id",       // not a Stratum id at all: no volume can ever have had it
    };

    [Theory]
    [MemberData(nameof(NeverExistingIds))]
    public async Task DeleteVolume_NeverExisted_SucceedsWithoutTouchingLvm(string kind)
    {
        var id = kind switch
        {
            "our-vg" => $"{VolumeGroup}:never-existed-0000:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG",
            "missing-vg" => "stratum-no-such-vg:never-existed-0000:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG",
            _ => "pvc-2f1e9bd5-0000-4000-8000-000000000000",
        };

        await RepeatUnchangedAsync(() => CallAsync<DeleteVolumeResponse>(new DeleteVolumeRequest { VolumeId = id }));
    }

    // ================================================================ ValidateVolumeCapabilities

    [Fact]
    public async Task ValidateVolumeCapabilities_Supported_ConfirmsThemAsAsked()
    {
        var volume = await SharedFilesystemVolumeAsync();
        var request = new ValidateVolumeCapabilitiesRequest
        {
            VolumeId = volume.VolumeId,
            VolumeCapabilities =
            {
                Requests.Mount("ext4", AccessMode.SingleNodeWriter, "noatime"),
                Requests.Mount("", AccessMode.SingleNodeMultiWriter),
                Requests.Block(AccessMode.SingleNodeReaderOnly),
            },
            VolumeContext = { ["deviceClass"] = ConformanceFixture.LinearClass },
            Parameters = { ["deviceClass"] = ConformanceFixture.LinearClass },
        };

        var response = await CallAsync<ValidateVolumeCapabilitiesResponse>(request);

        Assert.NotNull(response.Confirmed);
        Assert.Equal(request.VolumeCapabilities, response.Confirmed.VolumeCapabilities);
        Assert.Equal(request.VolumeContext, response.Confirmed.VolumeContext);
        Assert.Equal(request.Parameters, response.Confirmed.Parameters);
    }

    public static TheoryData<string> UnsupportedCapabilities => new()
    {
        "multi-node-writer",
        "multi-node-reader",
        "nfs",
        "mount-group",
        "mount-flag-bind",
    };

    [Theory]
    [MemberData(nameof(UnsupportedCapabilities))]
    public async Task ValidateVolumeCapabilities_Unsupported_ExplainsWhyAndConfirmsNothing(string kind)
    {
        var volume = await SharedFilesystemVolumeAsync();
        var capability = kind switch
        {
            "multi-node-writer" => Requests.Mount("ext4", AccessMode.MultiNodeMultiWriter),
            "multi-node-reader" => Requests.Block(AccessMode.MultiNodeReaderOnly),
            "nfs" => Requests.Mount("nfs"),
            "mount-group" => Requests.Mount("ext4"),
            _ => Requests.Mount("ext4", AccessMode.SingleNodeWriter, "bind"),
        };
        if (kind == "mount-group")
        {
            capability.Mount.VolumeMountGroup = "1000";
        }

        var response = await CallAsync<ValidateVolumeCapabilitiesResponse>(new ValidateVolumeCapabilitiesRequest
        {
            VolumeId = volume.VolumeId,
            VolumeCapabilities = { Requests.Mount("ext4"), capability },
        });

        Assert.Null(response.Confirmed);
        Assert.False(string.IsNullOrWhiteSpace(response.Message));
    }

    // ================================================================ ListVolumes

    [Fact]
    public async Task ListVolumes_PagesOfTwo_ListEveryVolumeOnceAlsoWhenVolumesAreDeletedBetweenPages()
    {
        // Five volumes at least: the two shared ones and three of this test's (each costs seven LVM commands).
        var shared = new[] { (await SharedFilesystemVolumeAsync()).VolumeId, (await SharedBlockVolumeAsync()).VolumeId };
        var ours = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ours.Add((await CreateVolumeAsync(Name($"list{i}"), 4 * MiB, Requests.Block())).VolumeId);
        }

        // Page through everything.
        var seen = await ListAllAsync(maxEntries: 2, betweenPages: null);
        var ids = seen.Select(e => e.Volume.VolumeId).ToList();
        Assert.True(ids.Count >= 5, $"only {ids.Count} volumes listed");
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ours.Concat(shared), id => Assert.Contains(id, ids));
        Assert.All(seen, e =>
        {
            Assert.Equal(ConformanceFixture.NodeId, Assert.Single(e.Volume.AccessibleTopology).Segments[CsiTopology.NodeKey]);
            Assert.False(e.Status.VolumeCondition.Abnormal, e.Status.VolumeCondition.Message);
        });
        var all = await CallAsync<ListVolumesResponse>(new ListVolumesRequest());
        Assert.Equal(ids, all.Entries.Select(e => e.Volume.VolumeId));
        Assert.Empty(all.NextToken);

        // Again, deleting after the first page the volume its token names and one not listed yet.
        string? listedAndDeleted = null, unlistedAndDeleted = null;
        var again = await ListAllAsync(maxEntries: 2, betweenPages: async (page, listedSoFar) =>
        {
            if (page != 1)
            {
                return;
            }

            listedAndDeleted = listedSoFar[^1];
            unlistedAndDeleted = ours.Except(listedSoFar).Order(StringComparer.Ordinal).FirstOrDefault()
                ?? throw new InvalidOperationException("all of this test's volumes were on the first page");
            if (ours.Contains(listedAndDeleted))
            {
                await DeleteVolumeAsync(listedAndDeleted);
            }

            await DeleteVolumeAsync(unlistedAndDeleted);
        });
        var againIds = again.Select(e => e.Volume.VolumeId).ToList();
        Assert.Equal(againIds.Count, againIds.Distinct().Count());
        Assert.DoesNotContain(unlistedAndDeleted, againIds);
        Assert.Equal(ids.Where(id => id != unlistedAndDeleted), againIds);
    }

    /// <summary>Lists every page; <paramref name="betweenPages"/> runs after each page (1-based) with the ids listed so far.</summary>
    private async Task<List<ListVolumesResponse.Types.Entry>> ListAllAsync(int maxEntries, Func<int, IReadOnlyList<string>, Task>? betweenPages)
    {
        var seen = new List<ListVolumesResponse.Types.Entry>();
        var token = string.Empty;
        var pages = 0;
        do
        {
            var page = await CallAsync<ListVolumesResponse>(new ListVolumesRequest { MaxEntries = maxEntries, StartingToken = token });
            Assert.InRange(page.Entries.Count, 1, maxEntries);
            seen.AddRange(page.Entries);
            token = page.NextToken;
            Assert.True(++pages < 100, "ListVolumes never ends");
            if (betweenPages is not null && token.Length > 0)
            {
                await betweenPages(pages, seen.Select(e => e.Volume.VolumeId).ToList());
            }
        }
        while (token.Length > 0);

        return seen;
    }

    // ================================================================ GetCapacity

    [Fact]
    public async Task GetCapacity_EachClass_ReportsWhatTheVolumeGroupCanGiveFromMemory()
    {
        // A change by the plugin refreshes its figures (earlier tests may have changed the VG behind its back).
        var probe = await CreateVolumeAsync(Name("cap"), 4 * MiB, Requests.Block());
        var mark = await SettledMarkAsync();
        var vg = (await Raw.GetVolumeGroupAsync(VolumeGroup, Ct))!;
        var extent = vg.ExtentSizeBytes;

        var linear = await CapacityAsync(ConformanceFixture.LinearClass);
        var byDefault = await CapacityAsync();
        var spare = await CapacityAsync(ConformanceFixture.SpareClass);
        var xfs = await CapacityAsync(ConformanceFixture.XfsClass);
        var striped = await CapacityAsync(ConformanceFixture.StripedClass);
        var raid1 = await CapacityAsync(ConformanceFixture.Raid1Class);

        Assert.Empty(Lvm.CallsSince(mark));
        Assert.Equal(vg.FreeBytes, linear.AvailableCapacity);
        Assert.Equal(linear.AvailableCapacity, linear.MaximumVolumeSize);
        Assert.Equal(linear, byDefault);
        Assert.Equal(linear, xfs);
        Assert.Equal(vg.FreeBytes - ConformanceFixture.SpareBytes, spare.AvailableCapacity);
        Assert.Equal(spare.AvailableCapacity, spare.MaximumVolumeSize);
        Assert.Equal(0, striped.AvailableCapacity % (2 * extent));
        Assert.InRange(striped.AvailableCapacity, vg.FreeBytes - (2 * extent), vg.FreeBytes);
        Assert.InRange(striped.MaximumVolumeSize ?? 0, 2 * extent, striped.AvailableCapacity);
        Assert.InRange(raid1.AvailableCapacity, (vg.FreeBytes / 2) - (3 * extent), vg.FreeBytes / 2);
        Assert.InRange(raid1.MaximumVolumeSize ?? 0, extent, raid1.AvailableCapacity);
        Assert.NotNull(probe);
    }

    [Fact]
    public async Task GetCapacity_AfterCreateAndDelete_FollowsTheChange()
    {
        await CreateVolumeAsync(Name("probe"), 4 * MiB, Requests.Block()); // brings the plugin's figures up to date
        await SettleAsync();
        var before = await CapacityAsync();

        var volume = await CreateVolumeAsync(Name("follow"), 64 * MiB, Requests.Block());
        var during = await CapacityAsync();
        await DeleteVolumeAsync(volume.VolumeId);
        var after = await CapacityAsync();

        Assert.Equal(before.AvailableCapacity - volume.CapacityBytes, during.AvailableCapacity);
        Assert.Equal(before.AvailableCapacity, after.AvailableCapacity);
    }

    public static TheoryData<string> CapacityForElsewhere => new()
    {
        "other-node",
        "unsupported-capability",
    };

    [Theory]
    [MemberData(nameof(CapacityForElsewhere))]
    public async Task GetCapacity_ForAnotherNodeOrAnUnsupportedCapability_IsZeroWithoutCallingLvm(string kind)
    {
        var request = kind == "other-node"
            ? Requests.Capacity(null, CsiTopology.ForNode("some-other-node"), Requests.Mount())
            : Requests.Capacity(null, CsiTopology.ForNode(ConformanceFixture.NodeId), Requests.Mount("ext4", AccessMode.MultiNodeMultiWriter));
        var mark = await SettledMarkAsync();

        var capacity = await CallAsync<GetCapacityResponse>(request);

        Assert.Equal(0, capacity.AvailableCapacity);
        Assert.Equal(0, capacity.MaximumVolumeSize);
        Assert.Empty(Lvm.CallsSince(mark));
    }

    [Fact]
    public async Task GetCapacity_ThisNodesTopologyOrAnUnrelatedKey_ReportsTheSameFiguresAsNoTopology()
    {
        var mark = await SettledMarkAsync();
        var plain = await CapacityAsync();

        var ours = await CallAsync<GetCapacityResponse>(Requests.Capacity(null, CsiTopology.ForNode(ConformanceFixture.NodeId), Requests.Mount("xfs"), Requests.Block()));
        var unrelated = await CallAsync<GetCapacityResponse>(Requests.Capacity(null, new Topology { Segments = { ["topology.kubernetes.io/zone"] = "z1" } }));

        Assert.True(plain.AvailableCapacity > 0);
        Assert.Equal(plain, ours);
        Assert.Equal(plain, unrelated);
        Assert.Empty(Lvm.CallsSince(mark));
    }

    // ================================================================ ControllerGetVolume, ControllerGetCapabilities

    [Fact]
    public async Task ControllerGetVolume_Existing_ReturnsTheVolumeAndAHealthyCondition()
    {
        var created = await CreateVolumeAsync(Name("get"), 8 * MiB, Requests.Block(), ConformanceFixture.StripedClass);

        var response = await CallAsync<ControllerGetVolumeResponse>(new ControllerGetVolumeRequest { VolumeId = created.VolumeId });

        Assert.Equal(created, response.Volume);
        Assert.False(response.Status.VolumeCondition.Abnormal, response.Status.VolumeCondition.Message);
        Assert.NotEmpty(response.Status.VolumeCondition.Message);
    }

    [Fact]
    public async Task ControllerGetCapabilities_Running_OffersTheNodeLocalSetWithoutExpandVolume()
    {
        var response = await CallAsync<ControllerGetCapabilitiesResponse>(new ControllerGetCapabilitiesRequest());

        var offered = response.Capabilities.Select(c => c.Rpc.Type).ToHashSet();
        Assert.Equal(
            new HashSet<ControllerType>
            {
                ControllerType.CreateDeleteVolume, ControllerType.ListVolumes, ControllerType.GetCapacity,
                ControllerType.GetVolume, ControllerType.VolumeCondition, ControllerType.SingleNodeMultiWriter,
                ControllerType.CreateDeleteSnapshot, ControllerType.ListSnapshots, ControllerType.CloneVolume,
                ControllerType.ModifyVolume,
            },
            offered);
        Assert.DoesNotContain(ControllerType.ExpandVolume, offered);
    }
}
