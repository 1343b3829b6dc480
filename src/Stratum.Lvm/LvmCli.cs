using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Stratum.Platform.Exec;
using Stratum.Lvm.Reports;

namespace Stratum.Lvm;

/// <summary>
/// <see cref="ILvm"/> over the real <c>lvm</c> binary. Reports use
/// <c>--reportformat json --units b --nosuffix</c> with explicit field lists; sizes go in as
/// bytes (<c>--size 104857600b</c>, rounded up to whole sectors as LVM demands). Commands that
/// may prompt get <c>--yes</c>, except <c>pvcreate</c>/<c>vgcreate</c>/<c>vgextend</c>, whose only
/// prompt is "wipe the existing signature?" — with stdin closed that is answered "no", so a device
/// that still holds data is refused instead of wiped.
/// </summary>
public sealed class LvmCli : ILvm
{
    private static readonly string[] ReportFormat = ["--reportformat", "json", "--units", "b", "--nosuffix"];

    /// <summary>The commands that only read; every other one is a mutation (<see cref="CommandSpec.Mutates"/>).</summary>
    private static readonly HashSet<string> ReportCommands = new(StringComparer.Ordinal) { "lvs", "vgs", "pvs", "fullreport" };

    private readonly ICommandRunner _runner;
    private readonly LvmOptions _options;
    private readonly ILogger<LvmCli> _logger;

    /// <summary>Creates the LVM layer over a command runner.</summary>
    public LvmCli(ICommandRunner runner, LvmOptions options, ILogger<LvmCli> logger)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _runner = runner;
        _options = options;
        _logger = logger;
    }

    // ---------------------------------------------------------------- reports

    /// <inheritdoc />
    public async Task<ImmutableArray<PhysicalVolume>> ListPhysicalVolumesAsync(string? volumeGroup, CancellationToken cancellationToken)
    {
        if (volumeGroup is not null)
        {
            LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        }

        // pvs takes PV arguments, not VG names; the PV list of a node is short, so filter here.
        string[] args = ["pvs", .. ReportFormat, "-o", PvRow.Fields];
        var result = await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        var all = ReportParser.ParsePhysicalVolumes(result.StandardOutput, Argv(args));
        return volumeGroup is null ? all : [.. all.Where(pv => pv.VolumeGroup == volumeGroup)];
    }

    /// <inheritdoc />
    public async Task<ImmutableArray<VolumeGroup>> ListVolumeGroupsAsync(CancellationToken cancellationToken)
    {
        string[] args = ["vgs", .. ReportFormat, "-o", VgRow.Fields];
        var result = await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        return ReportParser.ParseVolumeGroups(result.StandardOutput, Argv(args));
    }

    /// <inheritdoc />
    public async Task<VolumeGroup?> GetVolumeGroupAsync(string name, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateVolumeGroupName(name, nameof(name));
        string[] args = ["vgs", .. ReportFormat, "-o", VgRow.Fields, name];
        try
        {
            var result = await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
            return ReportParser.ParseVolumeGroups(result.StandardOutput, Argv(args)).FirstOrDefault(vg => vg.Name == name);
        }
        catch (LvmNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<ImmutableArray<LogicalVolume>> ListLogicalVolumesAsync(string volumeGroup, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        return await ReportLogicalVolumesAsync(volumeGroup, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<LogicalVolume?> GetLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        return await ReadLogicalVolumeAsync(volumeGroup, name, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ImmutableArray<LogicalVolume>> FindLogicalVolumesByTagAsync(string tag, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateTag(tag, nameof(tag));
        return await ReportLogicalVolumesAsync("@" + tag, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<LvmReport> ReportAsync(string? volumeGroup, string? logicalVolumeTag, CancellationToken cancellationToken)
    {
        if (volumeGroup is not null)
        {
            LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        }

        if (logicalVolumeTag is not null)
        {
            LvmValidation.ValidateTag(logicalVolumeTag, nameof(logicalVolumeTag));
        }

        // One process for everything: per VG its row, its PVs, the (selected) LVs and their first
        // segment's type and stripes (segment fields are refused in the LV subreport). PV segments
        // are not wanted, and a subreport cannot be left out: select none of them.
        string[] lvSelection = logicalVolumeTag is null ? [] : ["--select", TaggedOrThinSelection(logicalVolumeTag)];
        List<string> args =
        [
            "fullreport", .. ReportFormat,
            "--configreport", "vg", "-o", VgRow.Fields,
            "--configreport", "pv", "-o", PvRow.Fields,
            "--configreport", "lv", "-o", LvRow.LvOnlyFields, .. lvSelection,
            "--configreport", "pvseg", "-o", "pvseg_start", "--select", "pvseg_start<0",
            "--configreport", "seg", "-o", SegRow.Fields, .. lvSelection,
        ];
        if (volumeGroup is not null)
        {
            args.Add(volumeGroup);
        }

        try
        {
            var result = await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
            return ReportParser.ParseFullReport(result.StandardOutput, Argv(args));
        }
        catch (LvmNotFoundException) when (volumeGroup is not null)
        {
            return new LvmReport([], [], []);
        }
    }

    // ---------------------------------------------------------------- creation

    /// <inheritdoc />
    public async Task<LogicalVolume> CreateVolumeAsync(CreateVolumeRequest request, CancellationToken cancellationToken)
    {
        var args = await CreateVolumeOnlyAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadBackAsync(request.Mirrors is null ? "volume" : "raid1 volume", request.VolumeGroup, request.Name, args, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task CreateVolumeWithoutReadBackAsync(CreateVolumeRequest request, CancellationToken cancellationToken)
    {
        await CreateVolumeOnlyAsync(request, cancellationToken).ConfigureAwait(false);
        LvmLog.CreatedUnread(_logger, request.VolumeGroup, request.Name, request.SizeBytes);
    }

    /// <summary>Runs the lvcreate of a thick LV; returns its argv.</summary>
    private async Task<List<string>> CreateVolumeOnlyAsync(CreateVolumeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));
        var segmentType = request.Mirrors is not null ? LvmExtraOptions.Raid1 : request.Stripes is > 1 ? LvmExtraOptions.Striped : LvmExtraOptions.Linear;
        var extra = LvmExtraOptions.Normalize(request.ExtraOptions, segmentType, nameof(request.ExtraOptions));

        var args = new List<string>
        {
            "lvcreate", "--yes", "--wipesignatures", "y", "--zero", "y",
            "--name", request.Name, "--size", Bytes(request.SizeBytes),
        };
        args.AddRange(LayoutArguments(request));
        AddLvCreateTail(args, request.Tags, extra, request.VolumeGroup);
        await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        return args;
    }

    /// <inheritdoc />
    public async Task<LogicalVolume> CreateThinPoolAsync(CreateThinPoolRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));
        var extra = LvmExtraOptions.Normalize(request.ExtraOptions, LvmExtraOptions.ThinPool, nameof(request.ExtraOptions));

        List<string> args = ["lvcreate", "--yes", "--type", "thin-pool", "--zero", "y", "--name", request.Name, "--size", Bytes(request.SizeBytes)];
        return await LvCreateAsync("thin pool", request.VolumeGroup, request.Name, args, request.Tags, extra, request.VolumeGroup, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<LogicalVolume> CreateThinVolumeAsync(CreateThinVolumeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateLogicalVolumeName(request.Pool, nameof(request.Pool));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));
        var extra = LvmExtraOptions.Normalize(request.ExtraOptions, LvmExtraOptions.Thin, nameof(request.ExtraOptions));

        // No --zero/--wipesignatures: a thin volume reads unprovisioned blocks as zeros, and the
        // pool (created with --zero y) zeroes every block before handing it out.
        List<string> args = ["lvcreate", "--yes", "--type", "thin", "--name", request.Name, "--virtualsize", Bytes(request.SizeBytes), "--thinpool", request.Pool];
        return await LvCreateAsync("thin volume", request.VolumeGroup, request.Name, args, request.Tags, extra, request.VolumeGroup, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<LogicalVolume> CreateThinSnapshotAsync(CreateThinSnapshotRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateLogicalVolumeName(request.Origin, nameof(request.Origin));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));

        List<string> args = ["lvcreate", "--yes", "--snapshot", "--name", request.Name];
        if (request.Activate)
        {
            args.AddRange(["--setactivationskip", "n", "--activate", "y"]);
        }

        return await LvCreateAsync("thin snapshot", request.VolumeGroup, request.Name, args, request.Tags, [], $"{request.VolumeGroup}/{request.Origin}", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<LogicalVolume> CreateSnapshotAsync(CreateSnapshotRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateLogicalVolumeName(request.Origin, nameof(request.Origin));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));

        List<string> args = ["lvcreate", "--yes", "--snapshot", "--name", request.Name, "--size", Bytes(request.SizeBytes)];
        return await LvCreateAsync("snapshot", request.VolumeGroup, request.Name, args, request.Tags, [], $"{request.VolumeGroup}/{request.Origin}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finishes an lvcreate command line (tags, extra options, then the VG or origin it acts on), runs it and reads the new LV back.</summary>
    private async Task<LogicalVolume> LvCreateAsync(
        string what, string volumeGroup, string name, List<string> args, IEnumerable<string> tags, IEnumerable<string> extra, string target, CancellationToken cancellationToken)
    {
        AddLvCreateTail(args, tags, extra, target);
        await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        return await ReadBackAsync(what, volumeGroup, name, args, cancellationToken).ConfigureAwait(false);
    }

    private static void AddLvCreateTail(List<string> args, IEnumerable<string> tags, IEnumerable<string> extra, string target)
    {
        args.AddRange(TagArguments("--addtag", tags));
        args.AddRange(extra);
        args.Add(target);
    }

    // ---------------------------------------------------------------- changes

    /// <inheritdoc />
    public async Task<LogicalVolume> ExtendVolumeAsync(string volumeGroup, string name, long sizeBytes, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        LvmValidation.ValidateSize(sizeBytes, nameof(sizeBytes));

        string[] args = ["lvextend", "--yes", "--size", Bytes(sizeBytes), $"{volumeGroup}/{name}"];
        var result = await RunAsync(args, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var error = LvmErrorClassifier.Classify(Argv(args), result.ExitCode, result.StandardError);
            if (!IsAlreadyLargeEnough(result.StandardError))
            {
                throw error;
            }

            // "New size (25 extents) matches existing size (25 extents)." or "New size given (2 extents)
            // not larger than existing size (3 extents)": fine as long as the LV really is big enough.
            var current = await ReadLogicalVolumeAsync(volumeGroup, name, cancellationToken).ConfigureAwait(false);
            if (current is null || current.SizeBytes < sizeBytes)
            {
                throw error;
            }

            LvmLog.ExtendNoOp(_logger, volumeGroup, name, current.SizeBytes, sizeBytes);
            return current;
        }

        var extended = await ReadBackAsync(null, volumeGroup, name, args, cancellationToken).ConfigureAwait(false);
        LvmLog.Extended(_logger, volumeGroup, name, extended.SizeBytes, sizeBytes);
        return extended;
    }

    /// <inheritdoc />
    public async Task RemoveVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken)
    {
        // --yes would also confirm "remove N dependent volumes?", so LVM is told to act only on an
        // LV without dependents (one command). Only when it declines are dependents looked for:
        // an empty thin pool has none and is removed after all.
        if (await RemoveVolumeIfAsync(volumeGroup, name, new LvCondition { WithoutDependents = true }, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        string[] args = ["lvremove", "--yes", $"{volumeGroup}/{name}"];
        var all = await ReportLogicalVolumesAsync(volumeGroup, cancellationToken).ConfigureAwait(false);
        var dependents = all
            .Where(lv => lv.Name != name && (lv.Pool == name || (lv.Origin == name && !lv.IsThinVolume)))
            .Select(lv => lv.Name)
            .ToList();
        if (dependents.Count > 0)
        {
            var list = string.Join(", ", dependents);
            LvmLog.RemoveRefused(_logger, volumeGroup, name, list);
            throw new LvmInUseException(
                $"{volumeGroup}/{name} was not removed: it has dependent volume(s) {list} that LVM would remove with it",
                Argv(args));
        }

        await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        LvmLog.Removed(_logger, volumeGroup, name);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveVolumeIfAsync(string volumeGroup, string name, LvCondition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ValidateTarget(volumeGroup, name, condition);
        List<string> args = ["lvremove", "--yes"];
        AddSelection(args, condition);
        args.Add($"{volumeGroup}/{name}");

        // A selection that leaves the named LV out is no error: LVM exits 0 and says nothing.
        var result = await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        var removed = result.StandardOutput.Contains($"Logical volume \"{name}\" successfully removed", StringComparison.Ordinal);
        if (removed)
        {
            LvmLog.Removed(_logger, volumeGroup, name);
        }
        else
        {
            LvmLog.ConditionNotMet(_logger, "lvremove", volumeGroup, name, condition.ToString());
        }

        return removed;
    }

    /// <inheritdoc />
    public async Task ActivateVolumeGroupAsync(string volumeGroup, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        await RunCheckedAsync(["vgchange", "--activate", "y", volumeGroup], cancellationToken).ConfigureAwait(false);
        LvmLog.VolumeGroupActivated(_logger, volumeGroup);
    }

    /// <inheritdoc />
    public async Task ActivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        await RunCheckedAsync(["lvchange", "--yes", "--activate", "y", "--ignoreactivationskip", $"{volumeGroup}/{name}"], cancellationToken).ConfigureAwait(false);
        LvmLog.ActivationChanged(_logger, volumeGroup, name, true);
    }

    /// <inheritdoc />
    public async Task RefreshVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        await RunCheckedAsync(["lvchange", "--yes", "--refresh", $"{volumeGroup}/{name}"], cancellationToken).ConfigureAwait(false);
        LvmLog.Refreshed(_logger, volumeGroup, name);
    }

    /// <inheritdoc />
    public async Task DeactivateVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        await RunCheckedAsync(["lvchange", "--yes", "--activate", "n", $"{volumeGroup}/{name}"], cancellationToken).ConfigureAwait(false);
        LvmLog.ActivationChanged(_logger, volumeGroup, name, false);
    }

    /// <inheritdoc />
    public Task ChangeTagsAsync(string volumeGroup, string name, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken) =>
        ChangeTagsCoreAsync(volumeGroup, name, null, add, remove, cancellationToken);

    /// <inheritdoc />
    public Task<bool> ChangeTagsIfAsync(string volumeGroup, string name, LvCondition condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return ChangeTagsCoreAsync(volumeGroup, name, condition, add, remove, cancellationToken);
    }

    /// <summary>One lvchange adding and removing tags; with a condition, only on an LV that satisfies it (returns whether LVM acted).</summary>
    private async Task<bool> ChangeTagsCoreAsync(
        string volumeGroup, string name, LvCondition? condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken)
    {
        ValidateTarget(volumeGroup, name, condition);
        LvmValidation.ValidateTags(add, nameof(add));
        LvmValidation.ValidateTags(remove, nameof(remove));
        if (add.Count + remove.Count == 0)
        {
            throw new LvmValidationException("no tags to add or remove", nameof(add));
        }

        List<string> args = ["lvchange"];
        args.AddRange(TagArguments("--addtag", add));
        args.AddRange(TagArguments("--deltag", remove));
        AddSelection(args, condition);
        args.Add($"{volumeGroup}/{name}");
        var result = await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);

        // A selection that leaves the named LV out is no error: LVM exits 0 and says nothing.
        var changed = condition is null || result.StandardOutput.Contains($"Logical volume {volumeGroup}/{name} changed.", StringComparison.Ordinal);
        if (changed)
        {
            LvmLog.TagsChanged(_logger, volumeGroup, name, string.Join(',', add), string.Join(',', remove));
        }
        else
        {
            LvmLog.ConditionNotMet(_logger, "lvchange", volumeGroup, name, condition!.ToString());
        }

        return changed;
    }

    // ---------------------------------------------------------------- PVs and VGs

    /// <inheritdoc />
    public async Task CreatePhysicalVolumeAsync(string device, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateDevicePath(device, nameof(device));
        await RunCheckedAsync(["pvcreate", device], cancellationToken).ConfigureAwait(false);
        LvmLog.PhysicalVolumeCreated(_logger, device);
    }

    /// <inheritdoc />
    public async Task CreateVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateVolumeGroupName(name, nameof(name));
        LvmValidation.ValidateDevices(devices, nameof(devices));
        LvmValidation.ValidateTags(tags, nameof(tags));

        List<string> args = ["vgcreate"];
        args.AddRange(TagArguments("--addtag", tags));
        args.Add(name);
        args.AddRange(devices);
        await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        LvmLog.VolumeGroupCreated(_logger, name, string.Join(' ', devices));
    }

    /// <inheritdoc />
    public async Task ExtendVolumeGroupAsync(string name, IReadOnlyCollection<string> devices, CancellationToken cancellationToken)
    {
        LvmValidation.ValidateVolumeGroupName(name, nameof(name));
        LvmValidation.ValidateDevices(devices, nameof(devices));
        await RunCheckedAsync(["vgextend", name, .. devices], cancellationToken).ConfigureAwait(false);
        LvmLog.VolumeGroupExtended(_logger, name, string.Join(' ', devices));
    }

    // ---------------------------------------------------------------- helpers

    private async Task<ImmutableArray<LogicalVolume>> ReportLogicalVolumesAsync(string target, CancellationToken cancellationToken)
    {
        string[] args = ["lvs", .. ReportFormat, "-o", LvRow.Fields, target];
        var result = await RunCheckedAsync(args, cancellationToken).ConfigureAwait(false);
        return ReportParser.ParseLogicalVolumes(result.StandardOutput, Argv(args));
    }

    private async Task<LogicalVolume?> ReadLogicalVolumeAsync(string volumeGroup, string name, CancellationToken cancellationToken)
    {
        try
        {
            var lvs = await ReportLogicalVolumesAsync($"{volumeGroup}/{name}", cancellationToken).ConfigureAwait(false);
            return lvs.FirstOrDefault(lv => lv.VolumeGroup == volumeGroup && lv.Name == name);
        }
        catch (LvmNotFoundException)
        {
            return null;
        }
    }

    private async Task<LogicalVolume> ReadBackAsync(string? createdKind, string volumeGroup, string name, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var lv = await ReadLogicalVolumeAsync(volumeGroup, name, cancellationToken).ConfigureAwait(false)
            ?? throw new LvmCommandFailedException(
                $"{LvmErrorClassifier.Describe(Argv(args))} succeeded but {volumeGroup}/{name} is not reported by lvs", Argv(args), 0, null);
        if (createdKind is not null)
        {
            LvmLog.Created(_logger, createdKind, volumeGroup, name, lv.SizeBytes, lv.Uuid);
        }

        return lv;
    }

    private async Task<CommandResult> RunCheckedAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var result = await RunAsync(args, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw LvmErrorClassifier.Classify(Argv(args), result.ExitCode, result.StandardError);
    }

    /// <summary>
    /// Runs one LVM command. A mutation refused only because a component LV (<c>pool_tmeta</c>) was
    /// left active on its own by an interrupted activation gets that component deactivated and is
    /// run once more (<see cref="LeftoverComponents"/>); deactivation fails, and nothing is retried,
    /// when the component is open.
    /// </summary>
    private async Task<CommandResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var result = await RunOnceAsync(args, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded || ReportCommands.Contains(args[0]) || LeftoverComponents.InTheWay(result.StandardError) is not { IsEmpty: false } components)
        {
            return result;
        }

        var command = LvmErrorClassifier.Describe(Argv(args));
        foreach (var component in components)
        {
            var deactivated = await RunOnceAsync(["lvchange", "--activate", "n", component], cancellationToken).ConfigureAwait(false);
            if (!deactivated.Succeeded)
            {
                LvmLog.LeftoverComponentStillActive(_logger, command, component, LvmErrorClassifier.Summary(deactivated.StandardError));
                return result;
            }

        }

        LvmLog.LeftoverComponentDeactivated(_logger, command, string.Join(", ", components));

        return await RunOnceAsync(args, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CommandResult> RunOnceAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        // Anything but a report changes LVM state: it runs to its end even if the caller gives up.
        var spec = new CommandSpec(_options.LvmPath, args) { Timeout = _options.CommandTimeout, Mutates = !ReportCommands.Contains(args[0]) };
        try
        {
            return await _runner.RunAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandTimeoutException ex)
        {
            throw new LvmTimeoutException(
                $"{LvmErrorClassifier.Describe(Argv(args))} did not finish within {ex.Timeout.TotalSeconds:0.###} s and was killed; its effect is unknown",
                Argv(args), null, ex.PartialStandardError, ex);
        }
        catch (CommandNotFoundException ex)
        {
            throw new LvmCommandFailedException($"LVM is not available: {ex.Message}", Argv(args), null, null, ex);
        }
        catch (CommandStartException ex)
        {
            throw new LvmCommandFailedException($"LVM could not be started: {ex.Message}", Argv(args), null, null, ex);
        }
    }

    private string[] Argv(IReadOnlyList<string> args) => [_options.LvmPath, .. args];

    private static IEnumerable<string> LayoutArguments(CreateVolumeRequest request)
    {
        LvmValidation.ValidateLayout(request);
        if (request.Mirrors is { } mirrors)
        {
            return ["--type", "raid1", "--mirrors", mirrors.ToString(CultureInfo.InvariantCulture)];
        }

        if (request.Stripes is not { } stripes)
        {
            return [];
        }

        List<string> args = ["--stripes", stripes.ToString(CultureInfo.InvariantCulture)];
        if (request.StripeSizeBytes is { } stripeSize)
        {
            args.AddRange(["--stripesize", $"{stripeSize.ToString(CultureInfo.InvariantCulture)}b"]);
        }

        return args;
    }

    private static void ValidateTarget(string volumeGroup, string name, LvCondition? condition)
    {
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        condition?.Validate(nameof(condition));
    }

    private static void AddSelection(List<string> args, LvCondition? condition)
    {
        if (condition?.ToSelection() is { } selection)
        {
            args.AddRange(["--select", selection]);
        }
    }

    /// <summary>LVs carrying <paramref name="tag"/>, and every thin pool (attr t) and thin volume (attr V): what thin capacity is computed from.</summary>
    internal static string TaggedOrThinSelection(string tag) =>
        $"{new LvCondition { Tags = [tag] }.ToSelection()} || lv_attr=~\"^[tV]\"";

    private static IEnumerable<string> TagArguments(string option, IEnumerable<string> tags) =>
        tags.SelectMany(t => new[] { option, t });

    private static string Bytes(long bytes) =>
        LvmValidation.RoundUpToSector(bytes).ToString(CultureInfo.InvariantCulture) + "b";

    private static bool IsAlreadyLargeEnough(string standardError) =>
        standardError.Contains("matches existing size", StringComparison.Ordinal)
        || standardError.Contains("not larger than existing size", StringComparison.Ordinal);
}
