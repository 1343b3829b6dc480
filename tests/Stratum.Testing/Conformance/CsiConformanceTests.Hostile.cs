using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Stratum.Csi.V1;
using Stratum.Lvm;
using Stratum.Platform;
using Stratum.Testing.Lvm;
using Stratum.Volumes.Naming;

namespace Stratum.Testing.Conformance;

public abstract partial class CsiConformanceTests
{
    /// <summary>The owner tag: what makes an LV Stratum's.</summary>
    private const string OwnerTag = "stratum/owner=lvm.stratum.dev";

    /// <summary>
    /// A hostile-state case: what it arranges on the node (files, links and mounts below the test's
    /// directory, LVs in the suite's VG behind the plugin's back), the request it then sends, the
    /// code that request must get (OK where doing nothing is the right answer) and a fragment of
    /// the detail that says why.
    /// </summary>
    /// <param name="TriesCreate">The refusal comes from an lvcreate LVM itself refuses (the plugin could not know the LV name was taken).</param>
    private sealed record HostileCase(StatusCode Code, string Detail, Func<CsiConformanceTests, Task<IMessage>> Arrange, bool TriesCreate = false);

    /// <summary>
    /// Hostile state on the node: staging and target paths that are symbolic links (to a directory
    /// elsewhere, to /, dangling, looping), files where directories belong and the reverse,
    /// links onto other mounts; and LVs that carry Stratum's owner tag with damaged metadata (a
    /// size that is no number, a bad escape, a key with two values, broken IO limits, an unknown
    /// or doubled state, an unknown encryption), or a look-alike owner tag. Each must get its code,
    /// leave the plugin serving, and change nothing: no LV, no mount (also none on /), no file
    /// (link targets and contents included).
    /// </summary>
    private static readonly Dictionary<string, HostileCase> HostileCases = new(StringComparer.Ordinal)
    {
        // ---- staging path
        ["NodeStageVolume staging path is a symlink to a directory elsewhere"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            Requests.Stage((await t.SharedFilesystemVolumeAsync()).VolumeId, Link(t.Staging("h"), t.Elsewhere()), Requests.Mount("ext4"))),
        ["NodeStageVolume staging path is a symlink to /"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            Requests.Stage((await t.SharedFilesystemVolumeAsync()).VolumeId, Link(t.Staging("h"), "/"), Requests.Mount("ext4"))),
        ["NodeStageVolume staging path is a dangling symlink"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            Requests.Stage((await t.SharedFilesystemVolumeAsync()).VolumeId, Link(t.Staging("h"), Path.Combine(t.TestDirectory, "nowhere")), Requests.Mount("ext4"))),
        ["NodeStageVolume staging path is a symlink loop"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            Requests.Stage((await t.SharedFilesystemVolumeAsync()).VolumeId, Loop(t.Staging("h")), Requests.Mount("ext4"))),
        ["NodeStageVolume staging path is a regular file"] = new(StatusCode.FailedPrecondition, "exists and is a regular file, not a directory", async t =>
            Requests.Stage((await t.SharedFilesystemVolumeAsync()).VolumeId, MakeFile(t.Staging("h"), "kept"), Requests.Mount("ext4"))),
        ["NodeStageVolume staging path is a symlink to a file elsewhere"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            Requests.Stage((await t.SharedFilesystemVolumeAsync()).VolumeId, Link(t.Staging("h"), t.ElsewhereFile()), Requests.Mount("ext4"))),

        // ---- target path, filesystem
        ["NodePublishVolume target path is a symlink to a directory elsewhere"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            await t.StagedPublishAsync(Link(t.Target("h"), t.Elsewhere()))),
        ["NodePublishVolume target path is a symlink to /"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            await t.StagedPublishAsync(Link(t.Target("h"), "/"))),
        ["NodePublishVolume target path is a symlink to the staging path"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            await t.StagedPublishAsync(Link(t.Target("h"), t.Staging("h")))),
        ["NodePublishVolume target path is a regular file where a directory belongs"] = new(StatusCode.FailedPrecondition, "exists and is a regular file, not a directory", async t =>
            await t.StagedPublishAsync(MakeFile(t.Target("h"), "kept"))),
        ["NodePublishVolume staging path is a symlink to the staged mount"] = new(StatusCode.FailedPrecondition, "is not staged at", async t =>
        {
            var request = await t.StagedPublishAsync(t.Target("h"));
            request.StagingTargetPath = Link(t.Staging("alias"), t.Staging("h"));
            return request;
        }),

        // ---- target path, raw block
        ["NodePublishVolume block target path is a directory where a file belongs"] = new(StatusCode.FailedPrecondition, "exists and is a directory, not a file", async t =>
            Requests.Publish((await t.SharedBlockVolumeAsync()).VolumeId, t.Staging("b"), MakeDirectory(t.Target("b")), Requests.Block())),
        ["NodePublishVolume block target path is a symlink to a file elsewhere"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            Requests.Publish((await t.SharedBlockVolumeAsync()).VolumeId, t.Staging("b"), Link(t.Target("b"), t.ElsewhereFile()), Requests.Block())),
        ["NodePublishVolume block target path is a symlink to /"] = new(StatusCode.FailedPrecondition, "is a symbolic link", async t =>
            Requests.Publish((await t.SharedBlockVolumeAsync()).VolumeId, t.Staging("b"), Link(t.Target("b"), "/"), Requests.Block())),

        // ---- paths to undo: nothing of ours there, nothing else touched
        ["NodeUnpublishVolume target path is a symlink to another mount"] = new(StatusCode.OK, "", async t =>
            new NodeUnpublishVolumeRequest { VolumeId = (await t.SharedFilesystemVolumeAsync()).VolumeId, TargetPath = Link(t.Target("h"), await t.ForeignMountAsync()) }),
        ["NodeUnstageVolume staging path is a symlink to another mount"] = new(StatusCode.OK, "", async t =>
            new NodeUnstageVolumeRequest { VolumeId = (await t.SharedFilesystemVolumeAsync()).VolumeId, StagingTargetPath = Link(t.Staging("h"), await t.ForeignMountAsync()) }),
        ["NodeUnpublishVolume target path is a directory with content, not mounted"] = new(StatusCode.OK, "", async t =>
        {
            var target = MakeDirectory(t.Target("h"));
            MakeFile(Path.Combine(target, "someone-elses"), "kept");
            return new NodeUnpublishVolumeRequest { VolumeId = (await t.SharedFilesystemVolumeAsync()).VolumeId, TargetPath = target };
        }),
        ["NodeUnpublishVolume block target path is a file with content, not mounted"] = new(StatusCode.OK, "", async t =>
            new NodeUnpublishVolumeRequest { VolumeId = (await t.SharedBlockVolumeAsync()).VolumeId, TargetPath = MakeFile(t.Target("b"), "kept") }),
        ["NodeExpandVolume volume path is a symlink to the staged mount"] = new(StatusCode.FailedPrecondition, "is not mounted at", async t =>
        {
            var publish = await t.StagedPublishAsync(t.Target("h"));
            return Requests.Expand(publish.VolumeId, Link(t.Target("alias"), publish.StagingTargetPath), 128 * MiB, 0, Requests.Mount());
        }),

        // ---- LVs with Stratum's owner tag and damaged metadata: left alone
        ["DeleteVolume LV whose requested size is not a number"] = new(StatusCode.FailedPrecondition, "its tags are damaged", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync(Tags(requested: "lots")) }),
        ["DeleteVolume LV whose requested size is negative"] = new(StatusCode.FailedPrecondition, "its tags are damaged", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync(Tags(requested: "-1")) }),
        ["ControllerGetVolume LV whose requested size overflows"] = new(StatusCode.NotFound, "does not exist", async t =>
            new ControllerGetVolumeRequest { VolumeId = await t.HostileLvAsync(Tags(requested: "99999999999999999999")) }),
        ["DeleteVolume LV whose name has a bad escape"] = new(StatusCode.FailedPrecondition, "its tags are damaged", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync(Tags(name: "pvc#ZZ")) }),
        ["DeleteVolume LV whose name decodes to invalid UTF-8"] = new(StatusCode.FailedPrecondition, "its tags are damaged", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync(Tags(name: "pvc#FF#FE")) }),
        ["DeleteVolume LV with two device classes"] = new(StatusCode.FailedPrecondition, "its tags are damaged", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync([.. Tags(), "stratum/class=" + ConformanceFixture.StripedClass]) }),
        ["ControllerGetVolume LV with two names"] = new(StatusCode.NotFound, "does not exist", async t =>
            new ControllerGetVolumeRequest { VolumeId = await t.HostileLvAsync([.. Tags(), "stratum/name=" + SharedFsName]) }),
        ["NodeStageVolume LV with two requested sizes"] = new(StatusCode.NotFound, "does not exist", async t =>
            Requests.Stage(await t.HostileLvAsync([.. Tags(), "stratum/requested=1"]), t.Staging("h"), Requests.Mount("ext4"))),
        ["ControllerGetVolume LV whose IO limits do not parse"] = new(StatusCode.NotFound, "does not exist", async t =>
            new ControllerGetVolumeRequest { VolumeId = await t.HostileLvAsync([.. Tags(), "stratum/io=" + LvmTagCodec.Encode("{\"riops\":100}")]) }),
        ["DeleteVolume LV whose IO limit is zero"] = new(StatusCode.FailedPrecondition, "its tags are damaged", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync([.. Tags(), "stratum/io=" + LvmTagCodec.Encode("riops=0")]) }),
        ["ControllerGetVolume LV with an unknown state"] = new(StatusCode.NotFound, "does not exist", async t =>
            new ControllerGetVolumeRequest { VolumeId = await t.HostileLvAsync(Tags(state: "stratum/state=finished")) }),
        ["NodeStageVolume LV marked both ready and creating"] = new(StatusCode.NotFound, "does not exist", async t =>
            Requests.Stage(await t.HostileLvAsync([.. Tags(), "stratum/state=creating"]), t.Staging("h"), Requests.Mount("ext4"))),
        ["ControllerGetVolume LV still creating, named by a stale UUID"] = new(StatusCode.NotFound, "does not exist", async t =>
            new ControllerGetVolumeRequest { VolumeId = StaleUuid(await t.HostileLvAsync(Tags(state: "stratum/state=creating"))) }),
        ["ListVolumes with an LV still creating, made behind the plugin's back"] = new(StatusCode.OK, "", async t =>
        {
            var name = t.Name("unfinished");
            await t.HostileLvAsync(Tags(name: name, state: "stratum/state=creating"), LogicalVolumeNaming.ForCsiName(name));
            return new ListVolumesRequest();
        }),
        ["NodeStageVolume LV encrypted with an unknown scheme"] = new(StatusCode.FailedPrecondition, "encrypted with 'rot13'", async t =>
            Requests.Stage(await t.HostileLvAsync([.. Tags(), "stratum/encryption=rot13"]), t.Staging("h"), Requests.Mount("ext4"))),
        ["DeleteVolume LV with a look-alike owner tag"] = new(StatusCode.FailedPrecondition, "not Stratum's owner tag", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync([.. Tags().Where(tag => tag != OwnerTag), OwnerTag + ".evil"]) }),
        ["DeleteVolume LV of Stratum's of an unknown kind"] = new(StatusCode.FailedPrecondition, "not Stratum's owner tag", async t =>
            new DeleteVolumeRequest { VolumeId = await t.HostileLvAsync([.. Tags(), "stratum/kind=mystery"]) }),
        ["CreateVolume name whose LV exists with damaged tags"] = new(StatusCode.AlreadyExists, "that is not volume", async t =>
        {
            var name = t.Name("taken");
            await t.HostileLvAsync(Tags(name: name, requested: "lots"), LogicalVolumeNaming.ForCsiName(name));
            return Requests.Create(name, 4 * MiB, Requests.Block());
        }, TriesCreate: true),
    };

    public static TheoryData<string> HostileStates
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in HostileCases.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(HostileStates))]
    public async Task HostileState_Any_AnsweredWithItsCodeTouchesNothingAndPluginServesOn(string state)
    {
        var hostile = HostileCases[state];
        var request = await hostile.Arrange(this);
        var before = await SnapshotAsync(mayReuse: true);
        var fingerprint = Fingerprint();
        var rootMounts = RootMounts();

        if (hostile.Code == StatusCode.OK)
        {
            await Fixture.Plugin.Client.CallAsync(Stratum.Csi.CsiMethods.For(request), request, PluginUnderTest.CallTimeout);
        }
        else
        {
            var refused = await FailsAsync(hostile.Code, request);
            Assert.Contains(hostile.Detail, refused.Status.Detail, StringComparison.Ordinal);
        }

        var after = await SnapshotAsync(mayReuse: false);
        var mutations = Lvm.CallsSince(before.Calls)
            .Where(c => RecordingLvm.Mutating.Contains(c.Operation))
            .Where(c => !(hostile.TriesCreate && c.Operation is LvmOperation.CreateVolume or LvmOperation.CreateVolumeWithoutReadBack))
            .ToList();
        Assert.True(mutations.Count == 0, $"mutating LVM calls were made: {string.Join(", ", mutations)}");
        Assert.Equal(before.Lvs, after.Lvs);
        Assert.Equal(before.Mounts, after.Mounts);
        Assert.Equal(before.Files, after.Files);
        Assert.Equal(fingerprint, Fingerprint());
        Assert.Equal(rootMounts, RootMounts());

        // The plugin serves on: identity, and a volume read from LVM.
        Assert.True((await CallAsync<ProbeResponse>(new ProbeRequest())).Ready);
        var shared = await SharedFilesystemVolumeAsync();
        Assert.Equal(shared.VolumeId, (await CallAsync<ControllerGetVolumeResponse>(new ControllerGetVolumeRequest { VolumeId = shared.VolumeId })).Volume.VolumeId);
    }

    // ================================================================ arranging hostile state

    /// <summary>The id with the last character of its UUID changed: the LV's name, but not that LV.</summary>
    private static string StaleUuid(string volumeId) => volumeId[..^1] + (volumeId[^1] == 'A' ? 'B' : 'A');

    /// <summary>
    /// An LV tagged creating whose exact id a caller names: ids are handed out only once lvcreate
    /// has finished (the plugin stopped before it marked the volume ready), so the volume is
    /// complete. The call marks it ready and serves it; staging it works end to end.
    /// </summary>
    [Fact]
    public async Task NodeStageVolume_VolumeStillTaggedCreatingNamedByItsId_MarksItReadyAndStages()
    {
        var id = await HostileLvAsync(Tags(name: Name("unmarked"), state: "stratum/state=creating"));
        var staging = Staging("u");

        await CallAsync<NodeStageVolumeResponse>(Requests.Stage(id, staging, Requests.Mount("ext4")));

        Assert.True(VolumeId.TryParse(id, out var volumeId));
        var lv = await Raw.GetLogicalVolumeAsync(volumeId.VolumeGroup, volumeId.LogicalVolume, Ct);
        Assert.Contains("stratum/state=ready", lv!.Tags);
        Assert.DoesNotContain("stratum/state=creating", lv.Tags);
        Assert.Equal(id, (await CallAsync<ControllerGetVolumeResponse>(new ControllerGetVolumeRequest { VolumeId = id })).Volume.VolumeId);
        await CallAsync<NodeUnstageVolumeResponse>(new NodeUnstageVolumeRequest { VolumeId = id, StagingTargetPath = staging });
    }

    /// <summary>The tags of a complete volume of Stratum's, with the values a case damages.</summary>
    private static List<string> Tags(string name = "hostile", string requested = "4194304", string state = "stratum/state=ready") =>
        [OwnerTag, state, "stratum/name=" + name, "stratum/class=" + ConformanceFixture.LinearClass, "stratum/requested=" + requested];

    /// <summary>An LV in the suite's VG with <paramref name="tags"/> (made behind the plugin's back); returns the volume id it would have.</summary>
    private async Task<string> HostileLvAsync(IReadOnlyList<string> tags, string? lvName = null)
    {
        var lv = await CreateRawLvAsync(lvName ?? $"hostile-t{TestNumber}", 4 * MiB, tags);
        return new VolumeId(lv.VolumeGroup, lv.Name, lv.Uuid).ToString();
    }

    /// <summary>A directory outside the paths the request names, holding a file: what a link may lead to.</summary>
    private string Elsewhere()
    {
        var elsewhere = Path.Combine(TestDirectory, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        MakeFile(Path.Combine(elsewhere, "marker"), "untouched");
        return elsewhere;
    }

    private string ElsewhereFile() => Path.Combine(Elsewhere(), "marker");

    /// <summary>A tmpfs mounted below the test's directory that is not the plugin's (it must stay mounted).</summary>
    private async Task<string> ForeignMountAsync()
    {
        var directory = MakeDirectory(Path.Combine(TestDirectory, "foreign"));
        await Mounts.MountTmpfsAsync("foreign-t" + TestNumber, directory);
        MakeFile(Path.Combine(directory, "marker"), "untouched");
        return directory;
    }

    private static string Link(string path, string target)
    {
        File.CreateSymbolicLink(path, target);
        return path;
    }

    /// <summary>A link that points at itself (ELOOP for whoever follows it).</summary>
    private static string Loop(string path) => Link(path, path);

    private static string MakeFile(string path, string content)
    {
        File.WriteAllText(path, content);
        return path;
    }

    private static string MakeDirectory(string path)
    {
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Stages the shared filesystem volume at <c>Staging("h")</c>; returns a publish of it at <paramref name="target"/>.</summary>
    private async Task<NodePublishVolumeRequest> StagedPublishAsync(string target)
    {
        var volume = await SharedFilesystemVolumeAsync();
        await StageAsync(volume.VolumeId, Staging("h"), Requests.Mount("ext4"));
        return Requests.Publish(volume.VolumeId, Staging("h"), target, Requests.Mount("ext4"));
    }

    // ================================================================ what "untouched" adds here

    /// <summary>Every entry below the test's directory with what it is: link targets, file sizes and contents (links never followed).</summary>
    private List<string> Fingerprint()
    {
        var entries = new List<string>();
        foreach (var path in EntriesBelow(TestDirectory).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            entries.Add(info.LinkTarget is { } link ? $"{path} -> {link}"
                : FileStatus.Lstat(path).Kind == FileKind.Regular ? $"{path} {info.Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}"
                : $"{path} {FileStatus.Lstat(path).Kind}");
        }

        return entries;
    }

    /// <summary>The mounts on / (a link to / must never get a mount stacked there).</summary>
    private static List<string> RootMounts() =>
        MountInfo.ReadSelf().Where(m => m.MountPoint == "/").Select(m => $"{m.Id} {m.Source} {m.FsType}").ToList();
}
