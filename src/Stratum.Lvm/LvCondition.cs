namespace Stratum.Lvm;

/// <summary>
/// What an LV must be for a guarded change (<see cref="ILvm.ChangeTagsIfAsync"/>,
/// <see cref="ILvm.RemoveVolumeIfAsync"/>) to act on it. <see cref="LvmCli"/> hands it to LVM as a
/// selection (<c>--select</c>), so LVM checks it under its own VG lock, in the same command that
/// acts: nothing can change between the check and the change.
/// </summary>
public sealed record LvCondition
{
    /// <summary>No condition: the change applies to whatever LV has the name.</summary>
    public static LvCondition None { get; } = new();

    /// <summary>The LV's UUID must be this one (pins the exact LV, not merely its name).</summary>
    public string? Uuid { get; init; }

    /// <summary>Tags the LV must all carry.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// The LV must not be something LVM would take other LVs down with: neither the origin of COW
    /// snapshots (<c>lv_attr</c> o/O) nor a thin pool (t).
    /// </summary>
    public bool WithoutDependents { get; init; }

    /// <summary>The LV must not be open (mounted, or held by a process or another device).</summary>
    public bool NotOpen { get; init; }

    /// <summary>Whether <paramref name="lv"/> satisfies the condition.</summary>
    public bool IsSatisfiedBy(LogicalVolume lv)
    {
        ArgumentNullException.ThrowIfNull(lv);
        return (Uuid is null || lv.Uuid == Uuid)
            && Tags.All(lv.Tags.Contains)
            && (!WithoutDependents || !(lv.IsCowOrigin || lv.IsThinPool))
            && (!NotOpen || !lv.IsOpen);
    }

    /// <summary>The condition as an LVM selection (lvmreport(7)); null when there is none.</summary>
    public string? ToSelection()
    {
        var parts = new List<string>();
        if (Uuid is not null)
        {
            parts.Add($"lv_uuid=\"{Uuid}\"");
        }

        parts.AddRange(Tags.Select(tag => $"lv_tags={{\"{tag}\"}}"));
        if (WithoutDependents)
        {
            parts.Add("lv_attr!~\"^[oOt]\"");
        }

        if (NotOpen)
        {
            parts.Add("lv_attr!~\"^.....o\"");
        }

        return parts.Count == 0 ? null : string.Join(" && ", parts);
    }

    /// <summary>Throws <see cref="LvmValidationException"/> unless every part can be written into a selection safely.</summary>
    public void Validate(string paramName)
    {
        if (Uuid is not null && (Uuid.Length == 0 || !Uuid.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            throw new LvmValidationException($"'{Uuid}' is not an LV UUID", paramName);
        }

        LvmValidation.ValidateTags(Tags, paramName);
    }

    /// <inheritdoc />
    public override string ToString() => ToSelection() ?? "(none)";
}
