using Grpc.Core;
using Stratum.Csi.V1;

namespace Stratum.Testing.Conformance;

/// <summary>
/// CreateSnapshot, DeleteSnapshot, ListSnapshots and volumes restored or cloned from them, on thick
/// raw block volumes (a thick snapshot is a full copy made in the background: the suite waits for
/// ready_to_use). Idempotency, error codes, filters and paging, and the data of a restore.
/// </summary>
public abstract partial class CsiConformanceTests
{
    private const long SnapshotSourceBytes = 8 * MiB;

    /// <summary>
    /// Takes a snapshot and repeats CreateSnapshot (as the snapshotter does) until it is ready to
    /// use. A thick snapshot is ready after its copy and three more LVM commands (drop the point in
    /// time, refresh capacity, tag ready): on a loaded emulated testbed, where one LVM command can
    /// take 5 s, that exceeds a minute, so the bound is generous; it only stops a copy that hangs.
    /// </summary>
    protected async Task<Csi.V1.Snapshot> ReadySnapshotAsync(string name, string sourceVolumeId)
    {
        const int Seconds = 180;
        var deadline = DateTime.UtcNow.AddSeconds(Seconds);
        while (true)
        {
            var snapshot = (await CallAsync<CreateSnapshotResponse>(new CreateSnapshotRequest { Name = name, SourceVolumeId = sourceVolumeId })).Snapshot;
            if (snapshot.ReadyToUse)
            {
                return snapshot;
            }

            Assert.True(DateTime.UtcNow < deadline, $"snapshot {name} was not ready to use within {Seconds} s");
            await Task.Delay(100);
        }
    }

    private Task DeleteSnapshotAsync(string snapshotId) => CallAsync<DeleteSnapshotResponse>(new DeleteSnapshotRequest { SnapshotId = snapshotId });

    [Fact]
    public async Task CreateSnapshot_RepeatedWithSameNameAndSource_SameSnapshotNothingChanged()
    {
        var volume = await CreateVolumeAsync(Name("src"), SnapshotSourceBytes, Requests.Block());
        var snapshot = await ReadySnapshotAsync(Name("snap"), volume.VolumeId);

        var again = await RepeatUnchangedAsync(() => CallAsync<CreateSnapshotResponse>(new CreateSnapshotRequest { Name = Name("snap"), SourceVolumeId = volume.VolumeId }));

        Assert.Equal(snapshot, again.Snapshot);
        Assert.Equal((volume.VolumeId, volume.CapacityBytes), (snapshot.SourceVolumeId, snapshot.SizeBytes));
        Assert.InRange(snapshot.CreationTime.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow);
        await DeleteSnapshotAsync(snapshot.SnapshotId);
    }

    [Fact]
    public async Task CreateSnapshot_SameNameOtherSource_IsAlreadyExistsAndTouchesNothing()
    {
        var volume = await CreateVolumeAsync(Name("src"), SnapshotSourceBytes, Requests.Block());
        var snapshot = await ReadySnapshotAsync(Name("snap"), volume.VolumeId);
        var shared = await SharedBlockVolumeAsync();

        await RefusedUntouchedAsync(StatusCode.AlreadyExists, new CreateSnapshotRequest { Name = Name("snap"), SourceVolumeId = shared.VolumeId });
        await DeleteSnapshotAsync(snapshot.SnapshotId);
    }

    [Theory]
    [InlineData("", "source")]
    [InlineData("name", "")]
    public async Task CreateSnapshot_MissingNameOrSource_IsInvalidArgumentAndTouchesNothing(string name, string source)
    {
        var shared = await SharedBlockVolumeAsync();

        await RefusedUntouchedAsync(StatusCode.InvalidArgument, new CreateSnapshotRequest { Name = name, SourceVolumeId = source.Length == 0 ? "" : shared.VolumeId });
    }

    [Fact]
    public async Task CreateSnapshot_SourceThatDoesNotExist_IsNotFoundAndTouchesNothing()
    {
        await RefusedUntouchedAsync(StatusCode.NotFound, new CreateSnapshotRequest
        {
            Name = Name("snap"),
            SourceVolumeId = $"{VolumeGroup}:never-existed-0000:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG",
        });
    }

    [Fact]
    public async Task DeleteSnapshot_TwiceAndUnknown_Succeed_EmptyId_IsInvalidArgument()
    {
        var volume = await CreateVolumeAsync(Name("src"), SnapshotSourceBytes, Requests.Block());
        var snapshot = await ReadySnapshotAsync(Name("snap"), volume.VolumeId);

        await DeleteSnapshotAsync(snapshot.SnapshotId);
        await RepeatUnchangedAsync(async () => { await DeleteSnapshotAsync(snapshot.SnapshotId); return true; });
        await DeleteSnapshotAsync("not-a-snapshot-of-stratum");

        Assert.Null(await LvAsync(snapshot.SnapshotId));
        await RefusedUntouchedAsync(StatusCode.InvalidArgument, new DeleteSnapshotRequest());
    }

    [Fact]
    public async Task ListSnapshots_FiltersBySourceAndId_AndPagesWithoutSkippingOrRepeating()
    {
        var first = await CreateVolumeAsync(Name("a"), SnapshotSourceBytes, Requests.Block());
        var second = await CreateVolumeAsync(Name("b"), SnapshotSourceBytes, Requests.Block());
        var snapshots = new[]
        {
            await ReadySnapshotAsync(Name("s1"), first.VolumeId),
            await ReadySnapshotAsync(Name("s2"), first.VolumeId),
            await ReadySnapshotAsync(Name("s3"), second.VolumeId),
        };

        var bySource = await CallAsync<ListSnapshotsResponse>(new ListSnapshotsRequest { SourceVolumeId = first.VolumeId });
        var byId = await CallAsync<ListSnapshotsResponse>(new ListSnapshotsRequest { SnapshotId = snapshots[2].SnapshotId });
        var unknown = await CallAsync<ListSnapshotsResponse>(new ListSnapshotsRequest { SnapshotId = $"{VolumeGroup}:gone-0000:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG" });
        var paged = new List<string>();
        var token = "";
        do
        {
            var page = await CallAsync<ListSnapshotsResponse>(new ListSnapshotsRequest { MaxEntries = 1, StartingToken = token });
            Assert.True(page.Entries.Count <= 1);
            paged.AddRange(page.Entries.Select(e => e.Snapshot.SnapshotId));
            token = page.NextToken;
        }
        while (token.Length > 0);

        Assert.Equal(snapshots.Take(2).Select(s => s.SnapshotId).Order(StringComparer.Ordinal), bySource.Entries.Select(e => e.Snapshot.SnapshotId));
        Assert.Equal(snapshots[2], Assert.Single(byId.Entries).Snapshot);
        Assert.Empty(unknown.Entries);
        Assert.Equal(paged.Distinct().Count(), paged.Count);
        Assert.Subset(paged.ToHashSet(), snapshots.Select(s => s.SnapshotId).ToHashSet());
        await FailsAsync(StatusCode.Aborted, new ListSnapshotsRequest { StartingToken = "not-a-token" });
        foreach (var snapshot in snapshots)
        {
            await DeleteSnapshotAsync(snapshot.SnapshotId);
        }
    }

    [Fact]
    public async Task CreateVolume_FromSnapshot_HoldsTheDataOfThePointInTime()
    {
        var volume = await CreateVolumeAsync(Name("src"), SnapshotSourceBytes, Requests.Block());
        var device = (await LvAsync(volume.VolumeId))!.Path!;
        var written = await WriteRandomDeviceAsync(device, (int)MiB);
        var snapshot = await ReadySnapshotAsync(Name("snap"), volume.VolumeId);
        var overwritten = await WriteRandomDeviceAsync(device, (int)MiB);

        var restore = Requests.Create(Name("restored"), SnapshotSourceBytes, Requests.Block());
        restore.VolumeContentSource = new VolumeContentSource { Snapshot = new VolumeContentSource.Types.SnapshotSource { SnapshotId = snapshot.SnapshotId } };
        var restored = (await CallAsync<CreateVolumeResponse>(restore)).Volume;
        var clone = Requests.Create(Name("clone"), SnapshotSourceBytes, Requests.Block());
        clone.VolumeContentSource = new VolumeContentSource { Volume = new VolumeContentSource.Types.VolumeSource { VolumeId = volume.VolumeId } };
        var cloned = (await CallAsync<CreateVolumeResponse>(clone)).Volume;

        Assert.NotEqual(written, overwritten);
        Assert.Equal(written, await HashAsync((await LvAsync(restored.VolumeId))!.Path!, (int)MiB));
        Assert.Equal(overwritten, await HashAsync((await LvAsync(cloned.VolumeId))!.Path!, (int)MiB));
        Assert.Equal(snapshot.SnapshotId, restored.ContentSource.Snapshot.SnapshotId);
        Assert.Equal(volume.VolumeId, cloned.ContentSource.Volume.VolumeId);
        await DeleteSnapshotAsync(snapshot.SnapshotId);
    }

    [Fact]
    public async Task CreateVolume_FromSnapshotSmallerThanIt_IsOutOfRangeAndTouchesNothing()
    {
        var volume = await CreateVolumeAsync(Name("src"), SnapshotSourceBytes, Requests.Block());
        var snapshot = await ReadySnapshotAsync(Name("snap"), volume.VolumeId);
        var restore = Requests.Create(Name("restored"), 4 * MiB, Requests.Block(), limitBytes: 4 * MiB);
        restore.VolumeContentSource = new VolumeContentSource { Snapshot = new VolumeContentSource.Types.SnapshotSource { SnapshotId = snapshot.SnapshotId } };

        await RefusedUntouchedAsync(StatusCode.OutOfRange, restore);
        await DeleteSnapshotAsync(snapshot.SnapshotId);
    }

    [Fact]
    public async Task CreateVolume_FromSnapshotThatDoesNotExist_IsNotFoundAndTouchesNothing()
    {
        var restore = Requests.Create(Name("restored"), SnapshotSourceBytes, Requests.Block());
        restore.VolumeContentSource = new VolumeContentSource
        {
            Snapshot = new VolumeContentSource.Types.SnapshotSource { SnapshotId = $"{VolumeGroup}:gone-0000:AAAAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGGGG" },
        };

        await RefusedUntouchedAsync(StatusCode.NotFound, restore);
    }
}
