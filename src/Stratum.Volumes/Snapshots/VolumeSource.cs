using System.Diagnostics.CodeAnalysis;
using Stratum.Volumes.Naming;

namespace Stratum.Volumes.Snapshots;

/// <summary>What a new volume's content comes from: a snapshot (restore) or another volume (clone).</summary>
public sealed record VolumeSource(VolumeSourceKind Kind, string Id)
{
    private const string SnapshotPrefix = "snapshot:";
    private const string VolumePrefix = "volume:";

    /// <summary>The form kept in the volume's <c>stratum/source</c> tag.</summary>
    public override string ToString() => (Kind == VolumeSourceKind.Snapshot ? SnapshotPrefix : VolumePrefix) + Id;

    public static bool TryParse(string? text, [NotNullWhen(true)] out VolumeSource? source)
    {
        source = text switch
        {
            not null when text.StartsWith(SnapshotPrefix, StringComparison.Ordinal) => new VolumeSource(VolumeSourceKind.Snapshot, text[SnapshotPrefix.Length..]),
            not null when text.StartsWith(VolumePrefix, StringComparison.Ordinal) => new VolumeSource(VolumeSourceKind.Volume, text[VolumePrefix.Length..]),
            _ => null,
        };
        return source is not null && VolumeId.TryParse(source.Id, out _);
    }
}

public enum VolumeSourceKind
{
    Snapshot,
    Volume,
}
