using Stratum.Csi.V1;
using AccessMode = Stratum.Csi.V1.VolumeCapability.Types.AccessMode.Types.Mode;

namespace Stratum.Testing.Conformance;

/// <summary>Builders for the CSI messages the suite sends.</summary>
public static class Requests
{
    /// <summary>A mount capability (<paramref name="fsType"/> empty: the device class's default).</summary>
    public static VolumeCapability Mount(string fsType = "", AccessMode mode = AccessMode.SingleNodeWriter, params string[] flags) => new()
    {
        AccessMode = new VolumeCapability.Types.AccessMode { Mode = mode },
        Mount = new VolumeCapability.Types.MountVolume { FsType = fsType, MountFlags = { flags } },
    };

    public static VolumeCapability Block(AccessMode mode = AccessMode.SingleNodeWriter) => new()
    {
        AccessMode = new VolumeCapability.Types.AccessMode { Mode = mode },
        Block = new VolumeCapability.Types.BlockVolume(),
    };

    public static CreateVolumeRequest Create(string name, long requiredBytes, VolumeCapability capability, string? deviceClass = null, long limitBytes = 0)
    {
        var request = new CreateVolumeRequest
        {
            Name = name,
            CapacityRange = new CapacityRange { RequiredBytes = requiredBytes, LimitBytes = limitBytes },
            VolumeCapabilities = { capability },
        };
        if (deviceClass is not null)
        {
            request.Parameters["deviceClass"] = deviceClass;
        }

        return request;
    }

    public static NodeStageVolumeRequest Stage(string volumeId, string stagingPath, VolumeCapability capability) => new()
    {
        VolumeId = volumeId,
        StagingTargetPath = stagingPath,
        VolumeCapability = capability,
    };

    public static NodePublishVolumeRequest Publish(string volumeId, string stagingPath, string targetPath, VolumeCapability capability, bool readOnly = false) => new()
    {
        VolumeId = volumeId,
        StagingTargetPath = stagingPath,
        TargetPath = targetPath,
        VolumeCapability = capability,
        Readonly = readOnly,
    };

    public static NodeExpandVolumeRequest Expand(string volumeId, string volumePath, long requiredBytes, long limitBytes = 0, VolumeCapability? capability = null, string stagingPath = "") => new()
    {
        VolumeId = volumeId,
        VolumePath = volumePath,
        StagingTargetPath = stagingPath,
        CapacityRange = new CapacityRange { RequiredBytes = requiredBytes, LimitBytes = limitBytes },
        VolumeCapability = capability,
    };

    public static GetCapacityRequest Capacity(string? deviceClass = null, Topology? topology = null, params VolumeCapability[] capabilities)
    {
        var request = new GetCapacityRequest { AccessibleTopology = topology, VolumeCapabilities = { capabilities } };
        if (deviceClass is not null)
        {
            request.Parameters["deviceClass"] = deviceClass;
        }

        return request;
    }
}
