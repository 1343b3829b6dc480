using Stratum.Config;
using System.Text;
using Grpc.Core;
using Stratum.Csi.V1;
using Stratum.Volumes.Filesystems;
using AccessMode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;

namespace Stratum.Csi.Services;

/// <summary>Shape checks every service applies to requests before anything is locked or touched.</summary>
public static class CsiValidation
{
    /// <summary>CSI asks plugins to accept names and ids of up to 128 bytes.</summary>
    public const int MaxIdBytes = 128;

    public const int MaxPathLength = 4096;

    /// <summary>Access modes of a volume attached to one node; Stratum's volumes are node-local.</summary>
    public static readonly IReadOnlySet<AccessMode> SingleNodeModes = new HashSet<AccessMode>
    {
        AccessMode.SingleNodeWriter,
        AccessMode.SingleNodeReaderOnly,
        AccessMode.SingleNodeSingleWriter,
        AccessMode.SingleNodeMultiWriter,
    };

    public static string Required(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw CsiErrors.Invalid($"{field} is required");
        }

        return value;
    }

    /// <summary>A CSI name or id: present, at most 128 bytes, no control characters.</summary>
    public static string Id(string value, string field)
    {
        Required(value, field);
        if (Encoding.UTF8.GetByteCount(value) > MaxIdBytes)
        {
            throw CsiErrors.Invalid($"{field} is longer than {MaxIdBytes} bytes");
        }

        if (value.Any(char.IsControl))
        {
            throw CsiErrors.Invalid($"{field} contains control characters");
        }

        return value;
    }

    /// <summary>An absolute, normalised path: no '.', '..', empty components, or trailing slash.</summary>
    public static string AbsolutePath(string value, string field)
    {
        Required(value, field);
        return PathProblem(value, field) is { } problem ? throw CsiErrors.Invalid(problem) : value;
    }

    /// <summary>
    /// A volume_path of NodeGetVolumeStats or NodeExpandVolume: required, and a path that can be
    /// found. One that is not an absolute, normalised path is "not found" (NOT_FOUND), as the CSI
    /// spec puts it for these RPCs ("volume_path is not found") and csi-sanity expects; it is never
    /// resolved against the plugin's working directory.
    /// </summary>
    public static string ExistingVolumePath(string value, string field)
    {
        Required(value, field);
        return PathProblem(value, field) is { } problem
            ? throw new RpcException(new Status(StatusCode.NotFound, $"{problem}, so nothing can be found there"))
            : value;
    }

    /// <summary>Why <paramref name="value"/> is not an absolute, normalised path, or null when it is one.</summary>
    public static string? PathProblem(string value, string field)
    {
        if (value.Length == 0 || value.Length > MaxPathLength || value[0] != '/' || value.Contains('\0', StringComparison.Ordinal) || value.Any(char.IsControl))
        {
            return $"{field} '{value}' must be an absolute path";
        }

        if (value == "/")
        {
            return $"{field} cannot be '/'";
        }

        if (value.EndsWith('/'))
        {
            return $"{field} '{value}' must not end with '/'";
        }

        foreach (var component in value.Split('/').Skip(1))
        {
            if (component is "" or "." or "..")
            {
                return $"{field} '{value}' must be normalised (no empty, '.' or '..' components)";
            }
        }

        return null;
    }

    /// <summary>Why Stratum cannot provide <paramref name="capability"/>, or null when it can.</summary>
    public static string? Unsupported(VolumeCapability? capability)
    {
        if (capability is null)
        {
            return "a volume capability is missing";
        }

        if (capability.AccessMode is null || capability.AccessMode.Mode == AccessMode.Unknown)
        {
            return "the volume capability has no access mode";
        }

        if (!SingleNodeModes.Contains(capability.AccessMode.Mode))
        {
            return $"access mode {capability.AccessMode.Mode} is not supported: Stratum's volumes are local to one node (use a SINGLE_NODE_* mode)";
        }

        switch (capability.AccessTypeCase)
        {
            case VolumeCapability.AccessTypeOneofCase.Block:
                return null;
            case VolumeCapability.AccessTypeOneofCase.Mount:
                var mount = capability.Mount;
                if (mount.FsType.Length > 0 && !FileSystemTypes.TryParse(mount.FsType, out _))
                {
                    return $"filesystem '{mount.FsType}' is not supported ({FileSystemTypes.Names})";
                }

                if (mount.VolumeMountGroup.Length > 0)
                {
                    return "volume_mount_group is not supported (Stratum does not offer VOLUME_MOUNT_GROUP)";
                }

                return mount.MountFlags.Select(MountOptions.Check).FirstOrDefault(p => p is not null);
            default:
                return "the volume capability names neither block nor mount access";
        }
    }

    /// <summary>Checks one capability and throws INVALID_ARGUMENT with the reason.</summary>
    public static VolumeCapability Capability(VolumeCapability? capability, string field)
    {
        if (Unsupported(capability) is { } problem)
        {
            throw CsiErrors.Invalid($"{field}: {problem}");
        }

        return capability!;
    }

    public static bool IsReadOnlyMode(VolumeCapability capability) =>
        capability.AccessMode.Mode == AccessMode.SingleNodeReaderOnly;
}
