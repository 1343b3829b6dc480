using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using Stratum.Lvm;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Naming;
using Xunit.Abstractions;

namespace Stratum.Testing.Conformance;

/// <summary>
/// Stratum's own CSI conformance suite, written once and run against each backend: the real
/// plugin (<see cref="PluginUnderTest"/>) on a Unix socket, driven only through our gRPC client,
/// over a fresh VG of the backend's LVM (the loop-backed simulator natively, real LVM in the VM
/// testbed). A derivation supplies a <see cref="ConformanceFixture"/>:
/// <code>
/// public sealed class SimulatorConformanceTests(SimulatorConformanceFixture f, ITestOutputHelper o)
///     : CsiConformanceTests(f, o), IClassFixture&lt;SimulatorConformanceFixture&gt;;
/// </code>
/// Every LVM call of the plugin is recorded (<see cref="ILvmCallLog"/>: a <see cref="RecordingLvm"/>
/// in-process, an <see cref="LvmCommandRecorder"/> between the published binary and lvm), so
/// "nothing touched", "GetCapacity never calls LVM" and "a concurrent operation is ABORTED" are
/// asserted identically on both backends. Tests run one after another (one class) and share the plugin;
/// each works below its own directory, and whatever volume or mount it leaves is removed after it.
/// </summary>
public abstract partial class CsiConformanceTests : IAsyncLifetime
{
    protected const long MiB = ConformanceFixture.MiB;

    /// <summary>The smallest volume of each filesystem (what the engine rounds up to).</summary>
    protected const long XfsMinimum = 300 * MiB;

    protected const long BtrfsMinimum = 112 * MiB;

    /// <summary>How much random data the survival tests write.</summary>
    protected const int PayloadBytes = 32 * 1024 * 1024;

    /// <summary>The CSI names of the volumes several tests share.</summary>
    protected const string SharedFsName = "shared-fs";

    protected const string SharedBlockName = "shared-block";

    private static int s_tests;

    private readonly int _number = Interlocked.Increment(ref s_tests);
    private readonly List<LvmGate> _gates = [];
    private readonly List<string> _rawLvs = [];
    private int _firstCall;

    protected CsiConformanceTests(ConformanceFixture fixture, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Output = output;
        fixture.Log.Attach(output);
        TestDirectory = Path.Combine(fixture.Backend.WorkDirectory, $"t{_number}");
    }

    protected ConformanceFixture Fixture { get; }

    protected ITestOutputHelper Output { get; }

    /// <summary>The decorator between the plugin and the backend's LVM.</summary>
    protected ILvmCallLog Lvm => Fixture.Lvm;

    /// <summary>The backend's LVM, for the test itself: arranges and inspects behind the plugin's back.</summary>
    protected ILvm Raw => Fixture.TestLvm;

    protected string VolumeGroup => Fixture.Backend.VolumeGroup;

    /// <summary>This test's number, unique within the process (names and paths carry it).</summary>
    protected int TestNumber => _number;

    /// <summary>This test's own directory (staging and target paths live below it).</summary>
    protected string TestDirectory { get; }

    protected CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(TestDirectory);
        _firstCall = Lvm.CallCount;
        return Task.CompletedTask;
    }

    /// <summary>Releases held calls, unmounts what the test left below its directory, removes the volumes it made.</summary>
    public async Task DisposeAsync()
    {
        foreach (var gate in _gates)
        {
            gate.Release();
        }

        try
        {
            await Mounts.UnmountAllBelowAsync(TestDirectory);
            var shared = Fixture.SharedVolumes.Values.Select(v => LvOf(v.VolumeId)).ToHashSet(StringComparer.Ordinal);
            var made = Lvm.CallsSince(_firstCall)
                .Where(c => c.Operation is LvmOperation.CreateVolume or LvmOperation.CreateVolumeWithoutReadBack)
                .Select(c => c.Target)
                .Concat(_rawLvs)
                .Distinct(StringComparer.Ordinal)
                .Where(lv => !shared.Contains(lv))
                .ToList();
            foreach (var target in made)
            {
                await RemoveLeftoverAsync(target);
            }

            if (Directory.Exists(TestDirectory) && Mounts.Below(TestDirectory).Count == 0)
            {
                Directory.Delete(TestDirectory, recursive: true);
            }
        }
        finally
        {
            Fixture.Log.Attach(null);
        }
    }

    // ================================================================ calls

    /// <summary>Calls the plugin and expects OK.</summary>
    protected Task<TResponse> CallAsync<TResponse>(IMessage request)
        where TResponse : IMessage<TResponse> => Fixture.Plugin.CallAsync<TResponse>(request);

    /// <summary>Calls the plugin and expects <paramref name="code"/>.</summary>
    protected async Task<RpcException> FailsAsync(StatusCode code, IMessage request)
    {
        var method = Stratum.Csi.CsiMethods.For(request);
        var exception = await Assert.ThrowsAsync<RpcException>(() => Fixture.Plugin.Client.CallAsync(method, request, PluginUnderTest.CallTimeout));
        Assert.True(code == exception.StatusCode, $"{method.Name} answered {exception.StatusCode} ({exception.Status.Detail}), expected {code}");
        Assert.False(string.IsNullOrWhiteSpace(exception.Status.Detail), $"{method.Name} answered {code} without saying why");
        return exception;
    }

    /// <summary>
    /// Expects <paramref name="code"/> and that nothing was touched: no mutating LVM call, the VG's
    /// LVs, the mounts and the files below the suite's directory all as they were.
    /// </summary>
    protected async Task<RpcException> RefusedUntouchedAsync(StatusCode code, IMessage request)
    {
        var before = await SnapshotAsync(mayReuse: true);
        var exception = await FailsAsync(code, request);
        var after = await SnapshotAsync(mayReuse: false);
        var mutations = Lvm.CallsSince(before.Calls).Where(c => RecordingLvm.Mutating.Contains(c.Operation)).ToList();
        Assert.True(mutations.Count == 0, $"mutating LVM calls were made: {string.Join(", ", mutations)}");
        Assert.Equal(before.Lvs, after.Lvs);
        Assert.Equal(before.Mounts, after.Mounts);
        Assert.Equal(before.Files, after.Files);
        return exception;
    }

    /// <summary>
    /// Waits for what the plugin finishes in the background after the volumes created so far (the
    /// lvchange that tags a new volume ready, the capacity report): ListVolumes waits for it. Only
    /// when the plugin ran an lvcreate since the last wait, so a test that created nothing pays
    /// nothing.
    /// </summary>
    protected async Task SettleAsync()
    {
        if (Lvm.CallsSince(Fixture.SettledAt).Any(c => c.Operation is LvmOperation.CreateVolume or LvmOperation.CreateVolumeWithoutReadBack))
        {
            await CallAsync<ListVolumesResponse>(new ListVolumesRequest());
        }

        Fixture.SettledAt = Lvm.CallCount;
    }

    /// <summary>The plugin's LVM call count once its background work is done (<see cref="SettleAsync"/>): what a test counts its calls from.</summary>
    protected async Task<int> SettledMarkAsync()
    {
        await SettleAsync();
        return Lvm.CallCount;
    }

    /// <summary>Runs <paramref name="call"/> (a repeat of a call that already succeeded) and checks it changed nothing.</summary>
    protected async Task<T> RepeatUnchangedAsync<T>(Func<Task<T>> call)
    {
        var before = await SnapshotAsync(mayReuse: true);
        var result = await call();
        var after = await SnapshotAsync(mayReuse: false);
        var mutations = Lvm.CallsSince(before.Calls).Where(c => RecordingLvm.Mutating.Contains(c.Operation)).ToList();
        Assert.True(mutations.Count == 0, $"the repeated call made mutating LVM calls: {string.Join(", ", mutations)}");
        Assert.Equal(before.Lvs, after.Lvs);
        Assert.Equal(before.Mounts, after.Mounts);
        return result;
    }

    protected async Task<Volume> CreateVolumeAsync(string name, long requiredBytes, VolumeCapability capability, string? deviceClass = null, long limitBytes = 0) =>
        (await CallAsync<CreateVolumeResponse>(Requests.Create(name, requiredBytes, capability, deviceClass, limitBytes))).Volume;

    protected Task DeleteVolumeAsync(string volumeId) => CallAsync<DeleteVolumeResponse>(new DeleteVolumeRequest { VolumeId = volumeId });

    protected Task StageAsync(string volumeId, string stagingPath, VolumeCapability capability) =>
        CallAsync<NodeStageVolumeResponse>(Requests.Stage(volumeId, stagingPath, capability));

    protected Task UnstageAsync(string volumeId, string stagingPath) =>
        CallAsync<NodeUnstageVolumeResponse>(new NodeUnstageVolumeRequest { VolumeId = volumeId, StagingTargetPath = stagingPath });

    protected Task PublishAsync(string volumeId, string stagingPath, string targetPath, VolumeCapability capability, bool readOnly = false) =>
        CallAsync<NodePublishVolumeResponse>(Requests.Publish(volumeId, stagingPath, targetPath, capability, readOnly));

    protected Task UnpublishAsync(string volumeId, string targetPath) =>
        CallAsync<NodeUnpublishVolumeResponse>(new NodeUnpublishVolumeRequest { VolumeId = volumeId, TargetPath = targetPath });

    protected Task<NodeGetVolumeStatsResponse> StatsAsync(string volumeId, string volumePath) =>
        CallAsync<NodeGetVolumeStatsResponse>(new NodeGetVolumeStatsRequest { VolumeId = volumeId, VolumePath = volumePath });

    protected async Task<long> ExpandAsync(string volumeId, string volumePath, long requiredBytes, VolumeCapability? capability = null) =>
        (await CallAsync<NodeExpandVolumeResponse>(Requests.Expand(volumeId, volumePath, requiredBytes, 0, capability))).CapacityBytes;

    protected Task<GetCapacityResponse> CapacityAsync(string? deviceClass = null) => CallAsync<GetCapacityResponse>(Requests.Capacity(deviceClass));

    /// <summary>Creates, stages and publishes a filesystem volume; returns it.</summary>
    protected async Task<Volume> PublishedFilesystemAsync(string name, string fsType, long requiredBytes, string staging, string target)
    {
        var capability = Requests.Mount(fsType);
        var volume = await CreateVolumeAsync(name, requiredBytes, capability);
        await StageAsync(volume.VolumeId, staging, capability);
        await PublishAsync(volume.VolumeId, staging, target, capability);
        return volume;
    }

    // ================================================================ shared volumes

    /// <summary>A 64 MiB ext4 volume several tests use (never staged at the end of a test).</summary>
    protected Task<Volume> SharedFilesystemVolumeAsync() => SharedAsync(SharedFsName, 64 * MiB, Requests.Mount("ext4"));

    /// <summary>An 8 MiB raw block volume several tests use (never published at the end of a test).</summary>
    protected Task<Volume> SharedBlockVolumeAsync() => SharedAsync(SharedBlockName, 8 * MiB, Requests.Block());

    private async Task<Volume> SharedAsync(string name, long bytes, VolumeCapability capability)
    {
        if (!Fixture.SharedVolumes.TryGetValue(name, out var volume))
        {
            volume = await CreateVolumeAsync(name, bytes, capability);
            Fixture.SharedVolumes[name] = volume;
        }

        return volume;
    }

    // ================================================================ paths, names, LVM

    /// <summary>A CSI name unique to this test.</summary>
    protected string Name(string hint) => $"{hint}-t{_number}";

    protected string Staging(string hint) => Path.Combine(TestDirectory, "s-" + hint);

    protected string Target(string hint) => Path.Combine(TestDirectory, "p-" + hint);

    protected static VolumeId IdOf(string volumeId) =>
        VolumeId.TryParse(volumeId, out var id) ? id : throw new InvalidOperationException($"'{volumeId}' is not a Stratum volume id");

    protected static string LvOf(string volumeId) => IdOf(volumeId) is var id ? $"{id.VolumeGroup}/{id.LogicalVolume}" : string.Empty;

    /// <summary>The LV behind a volume id, read directly from the backend (null when gone).</summary>
    protected async Task<LogicalVolume?> LvAsync(string volumeId)
    {
        var id = IdOf(volumeId);
        return await Raw.GetLogicalVolumeAsync(id.VolumeGroup, id.LogicalVolume, Ct);
    }

    /// <summary>Creates an LV behind the plugin's back (removed after the test).</summary>
    protected async Task<LogicalVolume> CreateRawLvAsync(string name, long bytes, IReadOnlyList<string> tags)
    {
        _rawLvs.Add($"{VolumeGroup}/{name}");
        return await Raw.CreateVolumeAsync(new Stratum.Lvm.CreateVolumeRequest { VolumeGroup = VolumeGroup, Name = name, SizeBytes = bytes, Tags = tags }, Ct);
    }

    protected async Task<long> ExtentBytesAsync() => (await Raw.GetVolumeGroupAsync(VolumeGroup, Ct))!.ExtentSizeBytes;

    protected static long RoundUp(long bytes, long unit) => (bytes + unit - 1) / unit * unit;

    /// <summary>Holds the plugin's calls of <paramref name="operation"/> on <paramref name="target"/> until released (or the test ends).</summary>
    protected LvmGate Hold(LvmOperation operation, string target)
    {
        var gate = Lvm.Hold(operation, target);
        _gates.Add(gate);
        return gate;
    }

    /// <summary>
    /// Removes an LV the test made, directly (a DeleteVolume costs five LVM commands in the VM, this
    /// one or two). The plugin's capacity figures are then stale until its next change: tests that
    /// check absolute capacity make a volume first.
    /// </summary>
    private async Task RemoveLeftoverAsync(string target)
    {
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        try
        {
            await Raw.RemoveVolumeAsync(target[..slash], target[(slash + 1)..], Ct);
        }
        catch (LvmNotFoundException)
        {
            // Already gone (deleted by the test, or never created).
        }
    }

    // ================================================================ what "nothing touched" compares

    private sealed record Snapshot(int Calls, IReadOnlyList<string> Lvs, IReadOnlyList<string> Mounts, IReadOnlyList<string> Files);

    /// <param name="mayReuse">
    /// Whether the last listing may stand in for a new one when no LVM call in this process (the
    /// plugin's or the tests') could have changed the VG since: true for "before" snapshots. An
    /// "after" snapshot always lists afresh, so every comparison is against what LVM reports now.
    /// </param>
    private async Task<Snapshot> SnapshotAsync(bool mayReuse)
    {
        if (mayReuse)
        {
            await SettleAsync();
        }

        IReadOnlyList<string> lvs;
        if (mayReuse && Fixture.LastLvListing is { } last
            && last.PluginMutations == Lvm.MutatingCallCount && last.TestMutations == Fixture.TestLvm.MutatingCallCount)
        {
            lvs = last.Lvs;
        }
        else
        {
            lvs = (await Raw.ListLogicalVolumesAsync(VolumeGroup, Ct))
                .Select(lv => $"{lv.Name} {lv.Uuid} {lv.SizeBytes} active={lv.IsActive} [{string.Join(' ', lv.Tags)}]")
                .Order(StringComparer.Ordinal)
                .ToList();
            Fixture.LastLvListing = (lvs, Lvm.MutatingCallCount, Fixture.TestLvm.MutatingCallCount);
        }

        var mounts = Conformance.Mounts.Below(Fixture.Backend.WorkDirectory)
            .Select(m => $"{m.MountPoint} {m.DeviceMajor}:{m.DeviceMinor} {m.FsType} {m.Options}")
            .ToList();
        var files = EntriesBelow(TestDirectory).Order(StringComparer.Ordinal).ToList();
        return new Snapshot(Lvm.CallCount, lvs, mounts, files);
    }

    /// <summary>Every entry below <paramref name="directory"/>, hidden ones too; a link is listed, never followed (a test may leave a link to /).</summary>
    protected static IEnumerable<string> EntriesBelow(string directory) =>
        new System.IO.Enumeration.FileSystemEnumerable<string>(
            directory,
            (ref System.IO.Enumeration.FileSystemEntry entry) => entry.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
        {
            ShouldRecursePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };

    // ================================================================ data

    /// <summary>Writes <paramref name="bytes"/> random bytes to a new file, durably; returns their SHA-256.</summary>
    protected static async Task<string> WriteRandomFileAsync(string path, int bytes)
    {
        var data = RandomNumberGenerator.GetBytes(bytes);
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            await file.WriteAsync(data);
            file.Flush(flushToDisk: true);
        }

        return Convert.ToHexString(SHA256.HashData(data));
    }

    /// <summary>Writes random bytes at the start of a block device (through its published node), durably; returns their SHA-256.</summary>
    protected static async Task<string> WriteRandomDeviceAsync(string path, int bytes)
    {
        var data = RandomNumberGenerator.GetBytes(bytes);
        await using (var device = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 20))
        {
            await device.WriteAsync(data);
            device.Flush(flushToDisk: true);
        }

        return Convert.ToHexString(SHA256.HashData(data));
    }

    /// <summary>SHA-256 of a file, or of the first <paramref name="bytes"/> bytes of a device.</summary>
    protected static async Task<string> HashAsync(string path, int? bytes = null)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        if (bytes is not { } count)
        {
            return Convert.ToHexString(await SHA256.HashDataAsync(stream));
        }

        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer);
        return Convert.ToHexString(SHA256.HashData(buffer));
    }

    /// <summary>The size the kernel gives the block device a device node (e.g. a published target) refers to.</summary>
    protected static long DeviceSize(string path)
    {
        var node = Stratum.Platform.FileStatus.StatFollow(path);
        Assert.True(node.Kind == Stratum.Platform.FileKind.BlockDevice, $"{path} is a {node.Kind}, not a block device");
        var sectors = File.ReadAllText($"/sys/dev/block/{node.DeviceMajor}:{node.DeviceMinor}/size").Trim();
        return long.Parse(sectors, System.Globalization.CultureInfo.InvariantCulture) * 512;
    }
}
