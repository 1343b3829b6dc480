using Google.Protobuf;
using Grpc.Core;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;
using AccessMode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    /// <summary>What a malformed request may refer to: a real volume (so "nothing touched" means something) and paths below the test's directory.</summary>
    protected sealed record MalformedContext(string VolumeId, string Staging, string Target);

    private sealed record MalformedCase(StatusCode Code, Func<MalformedContext, IMessage> Build);

    private static readonly string LongName = new('n', 129);
    private static readonly string LongMultibyteName = string.Concat(Enumerable.Repeat("é", 65)); // 130 bytes, 65 characters

    /// <summary>
    /// Requests with something wrong in a name, size, path, parameter, capability or id. Each must be
    /// answered with its code before anything is locked, looked up in LVM or mounted.
    /// </summary>
    private static readonly Dictionary<string, MalformedCase> MalformedCases = new(StringComparer.Ordinal)
    {
        // ---- CreateVolume: names
        ["CreateVolume name empty"] = new(StatusCode.InvalidArgument, _ => Requests.Create("", MiB, Requests.Block())),
        ["CreateVolume name of 129 bytes"] = new(StatusCode.InvalidArgument, _ => Requests.Create(LongName, MiB, Requests.Block())),
        ["CreateVolume name of 130 UTF-8 bytes in 65 characters"] = new(StatusCode.InvalidArgument, _ => Requests.Create(LongMultibyteName, MiB, Requests.Block())),
        ["CreateVolume name with a newline"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-a\nb", MiB, Requests.Block())),
        ["CreateVolume name with a NUL"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-a\0b", MiB, Requests.Block())),

        // ---- CreateVolume: sizes
        ["CreateVolume negative required_bytes"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-neg", -1, Requests.Block())),
        ["CreateVolume negative limit_bytes"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-neg", MiB, Requests.Block(), limitBytes: -1)),
        ["CreateVolume required_bytes above limit_bytes"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-inv", 2 * MiB, Requests.Block(), limitBytes: MiB)),

        // ---- CreateVolume: capabilities
        ["CreateVolume without capabilities"] = new(StatusCode.InvalidArgument, _ => new CreateVolumeRequest { Name = "pvc-nocap" }),
        ["CreateVolume capability without access mode"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, new VolumeCapability { Block = new() })),
        ["CreateVolume capability with access mode UNKNOWN"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, Requests.Block(AccessMode.Unknown))),
        ["CreateVolume capability MULTI_NODE_MULTI_WRITER"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, Requests.Mount("ext4", AccessMode.MultiNodeMultiWriter))),
        ["CreateVolume capability MULTI_NODE_READER_ONLY"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, Requests.Block(AccessMode.MultiNodeReaderOnly))),
        ["CreateVolume capability neither block nor mount"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, new VolumeCapability { AccessMode = new() { Mode = AccessMode.SingleNodeWriter } })),
        ["CreateVolume filesystem nfs"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, Requests.Mount("nfs"))),
        ["CreateVolume filesystem EXT4 (case matters)"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, Requests.Mount("EXT4"))),
        ["CreateVolume mount flag bind"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, Requests.Mount("ext4", AccessMode.SingleNodeWriter, "bind"))),
        ["CreateVolume mount flag with a comma"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, Requests.Mount("ext4", AccessMode.SingleNodeWriter, "noatime,nodev"))),
        ["CreateVolume volume_mount_group"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-c", MiB, new VolumeCapability { AccessMode = new() { Mode = AccessMode.SingleNodeWriter }, Mount = new() { VolumeMountGroup = "1000" } })),
        ["CreateVolume second capability unsupported"] = new(StatusCode.InvalidArgument, _ => new CreateVolumeRequest { Name = "pvc-c", VolumeCapabilities = { Requests.Block(), Requests.Mount("vfat") } }),

        // ---- CreateVolume: parameters and sources
        ["CreateVolume unknown parameter"] = new(StatusCode.InvalidArgument, _ => new CreateVolumeRequest { Name = "pvc-p", VolumeCapabilities = { Requests.Block() }, Parameters = { ["fsType"] = "ext4" } }),
        ["CreateVolume unknown device class"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-p", MiB, Requests.Block(), "no-such-class")),
        ["CreateVolume device class in the wrong case"] = new(StatusCode.InvalidArgument, _ => Requests.Create("pvc-p", MiB, Requests.Block(), "LINEAR")),
        ["CreateVolume from a snapshot without an id"] = new(StatusCode.InvalidArgument, _ => new CreateVolumeRequest { Name = "pvc-s", VolumeCapabilities = { Requests.Block() }, VolumeContentSource = new() { Snapshot = new() } }),
        ["CreateVolume from a volume without an id"] = new(StatusCode.InvalidArgument, _ => new CreateVolumeRequest { Name = "pvc-s", VolumeCapabilities = { Requests.Block() }, VolumeContentSource = new() { Volume = new() } }),
        ["CreateSnapshot empty name"] = new(StatusCode.InvalidArgument, c => new CreateSnapshotRequest { SourceVolumeId = c.VolumeId }),
        ["CreateSnapshot unknown parameter"] = new(StatusCode.InvalidArgument, c => new CreateSnapshotRequest { Name = "snap-p", SourceVolumeId = c.VolumeId, Parameters = { ["colour"] = "blue" } }),
        ["ListSnapshots negative max_entries"] = new(StatusCode.InvalidArgument, _ => new ListSnapshotsRequest { MaxEntries = -1 }),

        // ---- DeleteVolume, ControllerGetVolume, ValidateVolumeCapabilities: ids and capabilities
        ["DeleteVolume empty id"] = new(StatusCode.InvalidArgument, _ => new DeleteVolumeRequest()),
        ["DeleteVolume id of 129 bytes"] = new(StatusCode.InvalidArgument, _ => new DeleteVolumeRequest { VolumeId = LongName }),
        ["DeleteVolume id with a control character"] = new(StatusCode.InvalidArgument, c => new DeleteVolumeRequest { VolumeId = c.VolumeId + "\t" }),
        ["ControllerGetVolume empty id"] = new(StatusCode.InvalidArgument, _ => new ControllerGetVolumeRequest()),
        ["ValidateVolumeCapabilities empty id"] = new(StatusCode.InvalidArgument, _ => new ValidateVolumeCapabilitiesRequest { VolumeCapabilities = { Requests.Block() } }),
        ["ValidateVolumeCapabilities without capabilities"] = new(StatusCode.InvalidArgument, c => new ValidateVolumeCapabilitiesRequest { VolumeId = c.VolumeId }),
        ["ValidateVolumeCapabilities unknown parameter"] = new(StatusCode.InvalidArgument, c => new ValidateVolumeCapabilitiesRequest { VolumeId = c.VolumeId, VolumeCapabilities = { Requests.Block() }, Parameters = { ["stripes"] = "4" } }),

        // ---- ListVolumes, GetCapacity
        ["ListVolumes negative max_entries"] = new(StatusCode.InvalidArgument, _ => new ListVolumesRequest { MaxEntries = -1 }),
        ["ListVolumes starting_token not issued by the plugin"] = new(StatusCode.Aborted, _ => new ListVolumesRequest { StartingToken = "page-2" }),
        ["GetCapacity unknown device class"] = new(StatusCode.InvalidArgument, _ => Requests.Capacity("no-such-class")),
        ["GetCapacity unknown parameter"] = new(StatusCode.InvalidArgument, _ => new GetCapacityRequest { Parameters = { ["thin"] = "true" } }),

        // ---- NodeStageVolume
        ["NodeStageVolume empty id"] = new(StatusCode.InvalidArgument, c => Requests.Stage("", c.Staging, Requests.Mount())),
        ["NodeStageVolume empty staging path"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, "", Requests.Mount())),
        ["NodeStageVolume relative staging path"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, "staging/v", Requests.Mount())),
        ["NodeStageVolume staging path with '..'"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging + "/../../escape", Requests.Mount())),
        ["NodeStageVolume staging path with '.'"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging + "/./v", Requests.Mount())),
        ["NodeStageVolume staging path with '//'"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging + "//v", Requests.Mount())),
        ["NodeStageVolume staging path ending in '/'"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging + "/", Requests.Mount())),
        ["NodeStageVolume staging path '/'"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, "/", Requests.Mount())),
        ["NodeStageVolume staging path with a newline"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging + "\nx", Requests.Mount())),
        ["NodeStageVolume staging path longer than PATH_MAX"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging + "/" + new string('d', 4100), Requests.Mount())),
        ["NodeStageVolume without capability"] = new(StatusCode.InvalidArgument, c => new NodeStageVolumeRequest { VolumeId = c.VolumeId, StagingTargetPath = c.Staging }),
        ["NodeStageVolume filesystem vfat"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging, Requests.Mount("vfat"))),
        ["NodeStageVolume mount flag remount"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging, Requests.Mount("ext4", AccessMode.SingleNodeWriter, "remount"))),
        ["NodeStageVolume mount flag errors=panic"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging, Requests.Mount("ext4", AccessMode.SingleNodeWriter, "errors=panic"))),
        ["NodeStageVolume mount flag X-mount.mkdir"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging, Requests.Mount("ext4", AccessMode.SingleNodeWriter, "X-mount.mkdir"))),
        ["NodeStageVolume mount flag with a space"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging, Requests.Mount("ext4", AccessMode.SingleNodeWriter, "noatime nodev"))),
        ["NodeStageVolume access mode MULTI_NODE_SINGLE_WRITER"] = new(StatusCode.InvalidArgument, c => Requests.Stage(c.VolumeId, c.Staging, Requests.Mount("ext4", AccessMode.MultiNodeSingleWriter))),

        // ---- NodePublishVolume
        ["NodePublishVolume empty id"] = new(StatusCode.InvalidArgument, c => Requests.Publish("", c.Staging, c.Target, Requests.Mount())),
        ["NodePublishVolume empty target path"] = new(StatusCode.InvalidArgument, c => Requests.Publish(c.VolumeId, c.Staging, "", Requests.Mount())),
        ["NodePublishVolume relative target path"] = new(StatusCode.InvalidArgument, c => Requests.Publish(c.VolumeId, c.Staging, "pods/x/volume", Requests.Mount())),
        ["NodePublishVolume target path with '..'"] = new(StatusCode.InvalidArgument, c => Requests.Publish(c.VolumeId, c.Staging, c.Target + "/../../../etc", Requests.Mount())),
        ["NodePublishVolume empty staging path"] = new(StatusCode.InvalidArgument, c => Requests.Publish(c.VolumeId, "", c.Target, Requests.Mount())),
        ["NodePublishVolume target equal to staging path"] = new(StatusCode.InvalidArgument, c => Requests.Publish(c.VolumeId, c.Staging, c.Staging, Requests.Mount())),
        ["NodePublishVolume without capability"] = new(StatusCode.InvalidArgument, c => new NodePublishVolumeRequest { VolumeId = c.VolumeId, StagingTargetPath = c.Staging, TargetPath = c.Target }),
        ["NodePublishVolume access mode MULTI_NODE_READER_ONLY"] = new(StatusCode.InvalidArgument, c => Requests.Publish(c.VolumeId, c.Staging, c.Target, Requests.Mount("ext4", AccessMode.MultiNodeReaderOnly))),
        ["NodePublishVolume mount flag rbind"] = new(StatusCode.InvalidArgument, c => Requests.Publish(c.VolumeId, c.Staging, c.Target, Requests.Mount("ext4", AccessMode.SingleNodeWriter, "rbind"))),

        // ---- NodeUnpublishVolume, NodeUnstageVolume
        ["NodeUnpublishVolume empty id"] = new(StatusCode.InvalidArgument, c => new NodeUnpublishVolumeRequest { TargetPath = c.Target }),
        ["NodeUnpublishVolume empty target path"] = new(StatusCode.InvalidArgument, c => new NodeUnpublishVolumeRequest { VolumeId = c.VolumeId }),
        ["NodeUnpublishVolume relative target path"] = new(StatusCode.InvalidArgument, c => new NodeUnpublishVolumeRequest { VolumeId = c.VolumeId, TargetPath = "x/y" }),
        ["NodeUnstageVolume empty id"] = new(StatusCode.InvalidArgument, c => new NodeUnstageVolumeRequest { StagingTargetPath = c.Staging }),
        ["NodeUnstageVolume empty staging path"] = new(StatusCode.InvalidArgument, c => new NodeUnstageVolumeRequest { VolumeId = c.VolumeId }),
        ["NodeUnstageVolume staging path with '..'"] = new(StatusCode.InvalidArgument, c => new NodeUnstageVolumeRequest { VolumeId = c.VolumeId, StagingTargetPath = c.Staging + "/.." }),

        // ---- NodeExpandVolume, NodeGetVolumeStats
        ["NodeExpandVolume empty id"] = new(StatusCode.InvalidArgument, c => Requests.Expand("", c.Target, 128 * MiB)),
        ["NodeExpandVolume empty volume path"] = new(StatusCode.InvalidArgument, c => Requests.Expand(c.VolumeId, "", 128 * MiB)),
        ["NodeExpandVolume relative volume path (nothing can be found there)"] = new(StatusCode.NotFound, c => Requests.Expand(c.VolumeId, "v", 128 * MiB)),
        ["NodeExpandVolume relative staging path"] = new(StatusCode.InvalidArgument, c => Requests.Expand(c.VolumeId, c.Target, 128 * MiB, stagingPath: "s")),
        ["NodeExpandVolume negative required_bytes"] = new(StatusCode.InvalidArgument, c => Requests.Expand(c.VolumeId, c.Target, -1)),
        ["NodeExpandVolume required_bytes above limit_bytes"] = new(StatusCode.InvalidArgument, c => Requests.Expand(c.VolumeId, c.Target, 256 * MiB, 128 * MiB)),
        ["NodeExpandVolume unsupported capability"] = new(StatusCode.InvalidArgument, c => Requests.Expand(c.VolumeId, c.Target, 128 * MiB, 0, Requests.Mount("ntfs"))),
        ["NodeGetVolumeStats empty id"] = new(StatusCode.InvalidArgument, c => new NodeGetVolumeStatsRequest { VolumePath = c.Target }),
        ["NodeGetVolumeStats empty volume path"] = new(StatusCode.InvalidArgument, c => new NodeGetVolumeStatsRequest { VolumeId = c.VolumeId }),
        ["NodeGetVolumeStats relative volume path (nothing can be found there)"] = new(StatusCode.NotFound, c => new NodeGetVolumeStatsRequest { VolumeId = c.VolumeId, VolumePath = "v" }),
        ["NodeGetVolumeStats volume path with '..' (nothing can be found there)"] = new(StatusCode.NotFound, c => new NodeGetVolumeStatsRequest { VolumeId = c.VolumeId, VolumePath = c.Target + "/.." }),
    };

    public static TheoryData<string> MalformedRequests
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in MalformedCases.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task MalformedRequest_Any_IsRefusedWithItsCodeAndTouchesNothing(string request)
    {
        var volume = await SharedFilesystemVolumeAsync();
        var context = new MalformedContext(volume.VolumeId, Staging("m"), Target("m"));
        Directory.CreateDirectory(context.Target); // an existing target, as kubelet leaves it
        var mark = await SettledMarkAsync();

        await RefusedUntouchedAsync(MalformedCases[request].Code, MalformedCases[request].Build(context));

        Assert.Empty(Lvm.CallsSince(mark)); // refused before any LVM lookup, not only before changes
        Assert.False(Path.Exists(context.Staging), $"{context.Staging} was created");
    }
}
