namespace Stratum.Testing.Lvm;

/// <summary>The <see cref="Stratum.Lvm.ILvm"/> methods, for the simulator's per-operation test controls.</summary>
public enum LvmOperation
{
    /// <summary><see cref="Stratum.Lvm.ILvm.ListPhysicalVolumesAsync"/>.</summary>
    ListPhysicalVolumes,

    /// <summary><see cref="Stratum.Lvm.ILvm.ListVolumeGroupsAsync"/>.</summary>
    ListVolumeGroups,

    /// <summary><see cref="Stratum.Lvm.ILvm.GetVolumeGroupAsync"/>.</summary>
    GetVolumeGroup,

    /// <summary><see cref="Stratum.Lvm.ILvm.ListLogicalVolumesAsync"/>.</summary>
    ListLogicalVolumes,

    /// <summary><see cref="Stratum.Lvm.ILvm.GetLogicalVolumeAsync"/>.</summary>
    GetLogicalVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.FindLogicalVolumesByTagAsync"/>.</summary>
    FindLogicalVolumesByTag,

    /// <summary><see cref="Stratum.Lvm.ILvm.ReportAsync"/> (one <c>lvm fullreport</c> in LvmCli).</summary>
    Report,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreateVolumeAsync"/> (lvcreate and a read-back: two commands in LvmCli).</summary>
    CreateVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreateVolumeWithoutReadBackAsync"/> (the lvcreate alone).</summary>
    CreateVolumeWithoutReadBack,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreateThinPoolAsync"/>.</summary>
    CreateThinPool,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreateThinVolumeAsync"/>.</summary>
    CreateThinVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreateThinSnapshotAsync"/>.</summary>
    CreateThinSnapshot,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreateSnapshotAsync"/>.</summary>
    CreateSnapshot,

    /// <summary><see cref="Stratum.Lvm.ILvm.ExtendVolumeAsync"/>.</summary>
    ExtendVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.RemoveVolumeAsync"/>.</summary>
    RemoveVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.ActivateVolumeGroupAsync"/>.</summary>
    ActivateVolumeGroup,

    /// <summary><see cref="Stratum.Lvm.ILvm.ActivateVolumeAsync"/>.</summary>
    ActivateVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.RefreshVolumeAsync"/>.</summary>
    RefreshVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.DeactivateVolumeAsync"/>.</summary>
    DeactivateVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.ChangeTagsAsync"/>.</summary>
    ChangeTags,

    /// <summary><see cref="Stratum.Lvm.ILvm.ChangeTagsIfAsync"/> (one guarded lvchange).</summary>
    ChangeTagsIf,

    /// <summary><see cref="Stratum.Lvm.ILvm.RemoveVolumeIfAsync"/> (one guarded lvremove).</summary>
    RemoveVolumeIf,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreatePhysicalVolumeAsync"/>.</summary>
    CreatePhysicalVolume,

    /// <summary><see cref="Stratum.Lvm.ILvm.CreateVolumeGroupAsync"/>.</summary>
    CreateVolumeGroup,

    /// <summary><see cref="Stratum.Lvm.ILvm.ExtendVolumeGroupAsync"/>.</summary>
    ExtendVolumeGroup,
}
