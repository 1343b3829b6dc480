namespace Stratum.Kube.Modify;

/// <summary>
/// This node's volumes as the VolumeAttributesClass watcher sees them: the mutable parameters each
/// has now, and the one way to change them (the node plugin's ControllerModifyVolume path). The
/// node plugin implements it over its engine; the watcher depends on nothing else of it.
/// </summary>
public interface INodeVolumeAttributes
{
    /// <summary>
    /// Every volume on this node (by CSI volume id) with the mutable parameters it has now, in the
    /// form <see cref="Canonical"/> gives (empty when it has none). Throws when the volumes cannot
    /// be listed; the watcher then changes nothing.
    /// </summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A VolumeAttributesClass's parameters in the form <see cref="ListAsync"/> reports, so that
    /// equal limits compare equal however they are spelled (<c>10Mi</c> and <c>10485760</c>).
    /// </summary>
    /// <exception cref="InvalidVolumeAttributesException">A parameter is unknown, immutable or has a bad value.</exception>
    IReadOnlyDictionary<string, string> Canonical(IReadOnlyDictionary<string, string> parameters);

    /// <summary>Gives the volume exactly these mutable parameters (the set replaces the old one whole), reaching its running pods.</summary>
    Task ModifyAsync(string volumeId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken);
}

/// <summary>A VolumeAttributesClass's parameters that this driver cannot apply (the message says which and why).</summary>
public sealed class InvalidVolumeAttributesException(string message, Exception? inner = null) : Exception(message, inner);
