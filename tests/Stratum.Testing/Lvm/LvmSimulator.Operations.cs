using System.Collections.Immutable;
using Stratum.Lvm;

namespace Stratum.Testing.Lvm;

/// <summary>The operations: validation exactly as LvmCli does it, then LVM's rules applied to the model.</summary>
public sealed partial class LvmSimulator
{
    // ================================================================ core: reports

    private async Task<ImmutableArray<PhysicalVolume>> ListPhysicalVolumesCoreAsync(string? volumeGroup, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ListPhysicalVolumes, volumeGroup ?? string.Empty, instrumented);
        if (volumeGroup is not null)
        {
            LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        }

        using var _ = await BeginAsync(LvmOperation.ListPhysicalVolumes, instrumented, ct).ConfigureAwait(false);
        return [.. _devices.Values
            .Where(d => d.Pv is not null && (volumeGroup is null || d.Pv.Vg?.Name == volumeGroup))
            .OrderBy(d => d.Path, StringComparer.Ordinal)
            .Select(d => ToRecord(d.Pv!))];
    }

    private async Task<ImmutableArray<VolumeGroup>> ListVolumeGroupsCoreAsync(bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ListVolumeGroups, string.Empty, instrumented);
        using var _ = await BeginAsync(LvmOperation.ListVolumeGroups, instrumented, ct).ConfigureAwait(false);
        return [.. _vgs.Values.Select(ToRecord)];
    }

    private async Task<VolumeGroup?> GetVolumeGroupCoreAsync(string name, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.GetVolumeGroup, name, instrumented);
        LvmValidation.ValidateVolumeGroupName(name, nameof(name));
        using var _ = await BeginAsync(LvmOperation.GetVolumeGroup, instrumented, ct).ConfigureAwait(false);
        return _vgs.TryGetValue(name, out var vg) ? ToRecord(vg) : null;
    }

    private async Task<ImmutableArray<LogicalVolume>> ListLogicalVolumesCoreAsync(string volumeGroup, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ListLogicalVolumes, volumeGroup, instrumented);
        LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        using var _ = await BeginAsync(LvmOperation.ListLogicalVolumes, instrumented, ct).ConfigureAwait(false);
        var vg = RequireVg(LvsArgv(volumeGroup), volumeGroup);
        var mounted = ReadMounted();
        return [.. vg.VisibleLvs.Select(lv => ToRecord(lv, mounted))];
    }

    private async Task<LogicalVolume?> GetLogicalVolumeCoreAsync(string volumeGroup, string name, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.GetLogicalVolume, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        using var _ = await BeginAsync(LvmOperation.GetLogicalVolume, instrumented, ct).ConfigureAwait(false);
        var lv = _vgs.GetValueOrDefault(volumeGroup)?.FindVisible(name);
        return lv is null ? null : ToRecord(lv, ReadMounted());
    }

    private async Task<ImmutableArray<LogicalVolume>> FindLogicalVolumesByTagCoreAsync(string tag, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.FindLogicalVolumesByTag, tag, instrumented);
        LvmValidation.ValidateTag(tag, nameof(tag));
        using var _ = await BeginAsync(LvmOperation.FindLogicalVolumesByTag, instrumented, ct).ConfigureAwait(false);
        var mounted = ReadMounted();
        return [.. _vgs.Values.SelectMany(vg => vg.VisibleLvs).Where(lv => lv.Tags.Contains(tag)).Select(lv => ToRecord(lv, mounted))];
    }

    private async Task<LvmReport> ReportCoreAsync(string? volumeGroup, string? logicalVolumeTag, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.Report, volumeGroup ?? string.Empty, instrumented);
        if (volumeGroup is not null)
        {
            LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));
        }

        if (logicalVolumeTag is not null)
        {
            LvmValidation.ValidateTag(logicalVolumeTag, nameof(logicalVolumeTag));
        }

        using var _ = await BeginAsync(LvmOperation.Report, instrumented, ct).ConfigureAwait(false);
        var vgs = _vgs.Values.Where(vg => volumeGroup is null || vg.Name == volumeGroup).ToList();
        var names = vgs.Select(vg => vg.Name).ToHashSet(StringComparer.Ordinal);
        var mounted = ReadMounted();
        return new LvmReport(
            [.. vgs.Select(ToRecord)],
            [.. _devices.Values
                .Where(d => d.Pv is not null && (volumeGroup is null || (d.Pv.Vg is { } vg && names.Contains(vg.Name))))
                .OrderBy(d => d.Path, StringComparer.Ordinal)
                .Select(d => ToRecord(d.Pv!))],
            [.. vgs.SelectMany(vg => vg.VisibleLvs)
                .Where(lv => logicalVolumeTag is null || lv.Tags.Contains(logicalVolumeTag) || lv.IsThinPool || lv.IsThin)
                .Select(lv => ToRecord(lv, mounted))]);
    }

    // ================================================================ core: creation

    private async Task CreateVolumeWithoutReadBackCoreAsync(CreateVolumeRequest request, bool instrumented, CancellationToken ct) =>
        await CreateVolumeCoreAsync(request, instrumented, ct, LvmOperation.CreateVolumeWithoutReadBack).ConfigureAwait(false);

    private async Task<LogicalVolume> CreateVolumeCoreAsync(CreateVolumeRequest request, bool instrumented, CancellationToken ct, LvmOperation operation = LvmOperation.CreateVolume)
    {
        Record(operation, request is null ? string.Empty : $"{request.VolumeGroup}/{request.Name}", instrumented);
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));
        var segmentType = request.Mirrors is not null ? LvmExtraOptions.Raid1 : request.Stripes is > 1 ? LvmExtraOptions.Striped : LvmExtraOptions.Linear;
        var extra = ExtraOptions.Parse(LvmExtraOptions.Normalize(request.ExtraOptions, segmentType, nameof(request.ExtraOptions)));
        LvmValidation.ValidateLayout(request);

        using var _ = await BeginAsync(operation, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvcreate", "--yes", "--wipesignatures", "y", "--zero", "y", "--name", request.Name, "--size", Bytes(request.SizeBytes), request.VolumeGroup);
        var vg = RequireVg(argv, request.VolumeGroup);
        RequireNameFree(argv, vg, request.Name);

        var extents = ExtentsFor(request.SizeBytes, vg);
        var allocator = new Allocator(vg);
        SimLv lv;
        if (request.Mirrors is { } mirrors)
        {
            var images = mirrors + 1;
            var perImage = allocator.Parallel(images, extents + 1, vg.Pvs)
                ?? throw SimErrors.NoSuitableExtents(argv, request.Name, images * (extents + 1));
            lv = new SimLv(vg, request.Name, NewUuid(), SimLvKind.Raid1) { Stripes = images, NotSynced = extra.NoSync };
            foreach (var area in perImage)
            {
                lv.Allocations.Add(area);
                lv.RaidImages.Add([area.Pv]);
            }
        }
        else if (request.Stripes is { } stripes && stripes > 1)
        {
            if (stripes > vg.Pvs.Count)
            {
                throw SimErrors.InsufficientSpace(argv, $"Number of stripes ({stripes}) must not exceed number of physical volumes ({vg.Pvs.Count})");
            }

            extents = RoundUp(extents, stripes);
            if (extents > vg.FreeExtents)
            {
                throw SimErrors.VolumeGroupTooSmall(argv, vg, extents);
            }

            var areas = allocator.Parallel(stripes, extents / stripes, vg.Pvs)
                ?? throw SimErrors.NoSuitableExtents(argv, request.Name, extents);
            lv = new SimLv(vg, request.Name, NewUuid(), SimLvKind.Striped) { Stripes = stripes };
            lv.Allocations.AddRange(areas);
        }
        else
        {
            if (extents > vg.FreeExtents)
            {
                throw SimErrors.VolumeGroupTooSmall(argv, vg, extents);
            }

            var areas = allocator.Linear(extents, extra.Contiguous, vg.Pvs)
                ?? throw SimErrors.NoSuitableExtents(argv, request.Name, extents);
            lv = new SimLv(vg, request.Name, NewUuid(), SimLvKind.Linear);
            lv.Allocations.AddRange(areas);
        }

        lv.Extents = extents;
        lv.AllocationPolicy = extra.AllocationPolicy;
        lv.Tags = TagSet.From(request.Tags);
        await AddLvAsync(lv, allocator, active: true, copyFrom: null).ConfigureAwait(false);
        return ToRecord(lv, ReadMounted());
    }

    private async Task<LogicalVolume> CreateThinPoolCoreAsync(CreateThinPoolRequest request, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.CreateThinPool, request is null ? string.Empty : $"{request.VolumeGroup}/{request.Name}", instrumented);
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));
        var extra = ExtraOptions.Parse(LvmExtraOptions.Normalize(request.ExtraOptions, LvmExtraOptions.ThinPool, nameof(request.ExtraOptions)));

        using var _ = await BeginAsync(LvmOperation.CreateThinPool, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvcreate", "--yes", "--type", "thin-pool", "--zero", "y", "--name", request.Name, "--size", Bytes(request.SizeBytes), request.VolumeGroup);
        var vg = RequireVg(argv, request.VolumeGroup);
        RequireNameFree(argv, vg, request.Name);

        var data = ExtentsFor(request.SizeBytes, vg);
        var metadata = extra.PoolMetadataBytes is { } explicitMetadata
            ? Math.Max(1, CeilDiv(explicitMetadata, vg.ExtentSize))
            : PoolMetadataExtents(data, vg, extra.ChunkBytes);
        var spare = extra.PoolMetadataSpare ? SpareGrowth(vg, metadata) : 0;
        if (data > vg.FreeExtents)
        {
            throw SimErrors.VolumeGroupTooSmall(argv, vg, data);
        }

        if (data + metadata + spare > vg.FreeExtents)
        {
            throw SimErrors.VolumeGroupTooSmall(argv, vg, data + metadata + spare);
        }

        var allocator = new Allocator(vg);
        var pool = new SimLv(vg, request.Name, NewUuid(), SimLvKind.ThinPool)
        {
            Extents = data,
            MetadataExtents = metadata,
            AllocationPolicy = extra.AllocationPolicy,
            Tags = TagSet.From(request.Tags),
        };
        pool.Allocations.AddRange(allocator.Linear(data + metadata, extra.Contiguous, vg.Pvs)
            ?? throw SimErrors.NoSuitableExtents(argv, request.Name, data + metadata));
        var spareAreas = spare > 0
            ? allocator.Linear(spare, false, vg.Pvs) ?? throw SimErrors.NoSuitableExtents(argv, PoolMetadataSpareName, spare)
            : [];
        AddSpare(vg, spareAreas, spare);
        await AddLvAsync(pool, allocator, active: true, copyFrom: null).ConfigureAwait(false);
        return ToRecord(pool, ReadMounted());
    }

    private async Task<LogicalVolume> CreateThinVolumeCoreAsync(CreateThinVolumeRequest request, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.CreateThinVolume, request is null ? string.Empty : $"{request.VolumeGroup}/{request.Name}", instrumented);
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateLogicalVolumeName(request.Pool, nameof(request.Pool));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));
        LvmExtraOptions.Normalize(request.ExtraOptions, LvmExtraOptions.Thin, nameof(request.ExtraOptions));

        using var _ = await BeginAsync(LvmOperation.CreateThinVolume, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvcreate", "--yes", "--type", "thin", "--name", request.Name, "--virtualsize", Bytes(request.SizeBytes), "--thinpool", request.Pool, request.VolumeGroup);
        var vg = RequireVg(argv, request.VolumeGroup);
        RequireNameFree(argv, vg, request.Name);
        var pool = vg.FindVisible(request.Pool)
            ?? throw SimErrors.NotFound(argv, $"Pool {request.Pool} not found in Volume group {vg.Name}.");
        if (!pool.IsThinPool)
        {
            throw SimErrors.CommandFailed(argv, $"Logical volume {request.Pool} is not a thin pool.");
        }

        ThrowIfPoolFull(argv, pool);
        var thin = new SimLv(vg, request.Name, NewUuid(), SimLvKind.Thin)
        {
            Extents = ExtentsFor(request.SizeBytes, vg),
            Stripes = 0,
            Pool = pool.Name,
            Tags = TagSet.From(request.Tags),
        };
        await ActivateLvAsync(pool).ConfigureAwait(false);
        await AddLvAsync(thin, null, active: true, copyFrom: null).ConfigureAwait(false);
        return ToRecord(thin, ReadMounted());
    }

    private async Task<LogicalVolume> CreateThinSnapshotCoreAsync(CreateThinSnapshotRequest request, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.CreateThinSnapshot, request is null ? string.Empty : $"{request.VolumeGroup}/{request.Name}", instrumented);
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateLogicalVolumeName(request.Origin, nameof(request.Origin));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));

        using var _ = await BeginAsync(LvmOperation.CreateThinSnapshot, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvcreate", "--yes", "--snapshot", "--name", request.Name, $"{request.VolumeGroup}/{request.Origin}");
        var vg = RequireVg(argv, request.VolumeGroup);
        var origin = RequireOrigin(argv, vg, request.Origin);
        RequireNameFree(argv, vg, request.Name);
        if (!origin.IsThin)
        {
            throw SimErrors.RejectedArgument(argv, "Please specify either size or extents with snapshots.");
        }

        var pool = vg.Lvs[origin.Pool!];
        ThrowIfPoolFull(argv, pool);
        var snapshot = new SimLv(vg, request.Name, NewUuid(), SimLvKind.Thin)
        {
            Extents = origin.Extents,
            Stripes = 0,
            Pool = pool.Name,
            Origin = origin.Name,
            ActivationSkip = !request.Activate,
            Tags = TagSet.From(request.Tags),
        };
        if (request.Activate)
        {
            await ActivateLvAsync(pool).ConfigureAwait(false);
        }

        await AddLvAsync(snapshot, null, active: request.Activate, copyFrom: origin).ConfigureAwait(false);
        return ToRecord(snapshot, ReadMounted());
    }

    private async Task<LogicalVolume> CreateSnapshotCoreAsync(CreateSnapshotRequest request, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.CreateSnapshot, request is null ? string.Empty : $"{request.VolumeGroup}/{request.Name}", instrumented);
        ArgumentNullException.ThrowIfNull(request);
        LvmValidation.ValidateNewLogicalVolume(request.VolumeGroup, request.Name, nameof(request));
        LvmValidation.ValidateLogicalVolumeName(request.Origin, nameof(request.Origin));
        LvmValidation.ValidateSize(request.SizeBytes, nameof(request.SizeBytes));
        LvmValidation.ValidateTags(request.Tags, nameof(request.Tags));

        using var _ = await BeginAsync(LvmOperation.CreateSnapshot, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvcreate", "--yes", "--snapshot", "--name", request.Name, "--size", Bytes(request.SizeBytes), $"{request.VolumeGroup}/{request.Origin}");
        var vg = RequireVg(argv, request.VolumeGroup);
        var origin = RequireOrigin(argv, vg, request.Origin);
        RequireNameFree(argv, vg, request.Name);
        if (origin.IsCow)
        {
            throw SimErrors.CommandFailed(argv, "Snapshots of snapshots are not supported.");
        }

        if (origin.IsThinPool)
        {
            throw SimErrors.CommandFailed(argv, "Snapshots of thin pool type volumes are not supported.");
        }

        // "Reducing COW size 50.00 GiB down to maximum usable size 20.00 MiB."
        var extents = Math.Min(ExtentsFor(request.SizeBytes, vg), CowMaxExtents(origin));
        if (extents > vg.FreeExtents)
        {
            throw SimErrors.VolumeGroupTooSmall(argv, vg, extents);
        }

        var allocator = new Allocator(vg);
        var snapshot = new SimLv(vg, request.Name, NewUuid(), SimLvKind.Cow)
        {
            Extents = extents,
            Origin = origin.Name,
            Tags = TagSet.From(request.Tags),
        };
        snapshot.Allocations.AddRange(allocator.Linear(extents, false, vg.Pvs)
            ?? throw SimErrors.NoSuitableExtents(argv, request.Name, extents));
        await AddLvAsync(snapshot, allocator, active: origin.Active, copyFrom: origin).ConfigureAwait(false);
        return ToRecord(snapshot, ReadMounted());
    }

    // ================================================================ core: changes

    private async Task<LogicalVolume> ExtendVolumeCoreAsync(string volumeGroup, string name, long sizeBytes, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ExtendVolume, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        LvmValidation.ValidateSize(sizeBytes, nameof(sizeBytes));

        using var _ = await BeginAsync(LvmOperation.ExtendVolume, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvextend", "--yes", "--size", Bytes(sizeBytes), $"{volumeGroup}/{name}");
        var vg = RequireVg(argv, volumeGroup);
        var lv = vg.FindVisible(name)
            ?? throw SimErrors.NotFound(argv, $"Logical volume {name} not found in volume group {volumeGroup}.");

        var wanted = ExtentsFor(sizeBytes, vg);
        if (lv.Kind == SimLvKind.Striped)
        {
            wanted = RoundUp(wanted, lv.Stripes);
        }
        else if (lv.IsCow)
        {
            wanted = Math.Min(wanted, CowMaxExtents(vg.Lvs[lv.Origin!]));
        }

        if (wanted <= lv.Extents)
        {
            // lvextend fails ("matches existing size" / "not larger than existing size"); LvmCli reads
            // the LV back and treats that as success when it is at least as large as asked.
            var error = wanted == lv.Extents
                ? SimErrors.CommandFailed(argv, $"New size ({wanted} extents) matches existing size ({lv.Extents} extents).")
                : SimErrors.CommandFailed(argv, $"New size given ({wanted} extents) not larger than existing size ({lv.Extents} extents)");
            return lv.SizeBytes >= sizeBytes ? ToRecord(lv, ReadMounted()) : throw error;
        }

        if (lv.IsOrigin && lv.Active)
        {
            throw SimErrors.InUse(argv, "Snapshot origin volumes can be resized only while inactive: try lvchange -an.");
        }

        var delta = wanted - lv.Extents;
        var before = lv.Extents;
        var allocator = new Allocator(vg);
        var insufficient = SimErrors.InsufficientSpace(argv, $"Insufficient free space: {delta} extents needed, but only {vg.FreeExtents} available");
        switch (lv.Kind)
        {
            case SimLvKind.Thin:
                break;
            case SimLvKind.Linear or SimLvKind.Cow:
                lv.Allocations.AddRange(allocator.Linear(delta, lv.AllocationPolicy == 'c', vg.Pvs) ?? throw insufficient);
                break;
            case SimLvKind.Striped:
                if (delta > vg.FreeExtents)
                {
                    throw insufficient;
                }

                lv.Allocations.AddRange(allocator.Parallel(lv.Stripes, delta / lv.Stripes, vg.Pvs)
                    ?? throw SimErrors.NoSuitableExtents(argv, name, delta));
                break;
            case SimLvKind.Raid1:
                var total = delta * lv.RaidImages.Count;
                if (total > vg.FreeExtents)
                {
                    throw SimErrors.InsufficientSpace(argv, $"Insufficient free space: {total} extents needed, but only {vg.FreeExtents} available");
                }

                // Each image grows on its own PVs or on PVs no other image uses.
                var grown = new List<List<SimExtents>>();
                for (var i = 0; i < lv.RaidImages.Count; i++)
                {
                    var own = lv.RaidImages[i];
                    var others = lv.RaidImages.Where((_, j) => j != i).SelectMany(s => s).Concat(grown.SelectMany(g => g).Select(a => a.Pv)).ToHashSet();
                    var candidates = vg.Pvs.Where(own.Contains).Concat(vg.Pvs.Where(pv => !own.Contains(pv) && !others.Contains(pv)));
                    grown.Add(allocator.Linear(delta, false, candidates) ?? throw SimErrors.NoSuitableExtents(argv, name, total));
                }

                for (var i = 0; i < grown.Count; i++)
                {
                    lv.Allocations.AddRange(grown[i]);
                    lv.RaidImages[i].UnionWith(grown[i].Select(a => a.Pv));
                }

                break;
            case SimLvKind.ThinPool:
                if (delta > vg.FreeExtents)
                {
                    throw insufficient;
                }

                var metadataGrowth = Math.Max(0, PoolMetadataExtents(wanted, vg, DefaultThinChunkBytes) - lv.MetadataExtents);
                var spareGrowth = HasSpare(vg) ? SpareGrowth(vg, lv.MetadataExtents + metadataGrowth) : 0;
                if (delta + metadataGrowth + spareGrowth > vg.FreeExtents)
                {
                    throw insufficient;
                }

                lv.Allocations.AddRange(allocator.Linear(delta + metadataGrowth, false, vg.Pvs) ?? throw insufficient);
                AddSpare(vg, spareGrowth > 0 ? allocator.Linear(spareGrowth, false, vg.Pvs) ?? throw insufficient : [], spareGrowth);
                lv.MetadataExtents += metadataGrowth;
                break;
            default:
                throw SimErrors.CommandFailed(argv, $"Cannot resize {lv.FullName}.");
        }

        allocator.Commit();
        if (lv.IsThinPool && lv.DataPercent is { } percent)
        {
            lv.DataPercent = percent * before / wanted; // the same data in a larger pool
        }

        lv.Extents = wanted;
        if (_backing is not null && lv.BackingFile is not null && !lv.IsCow)
        {
            LoopBacking.GrowFile(lv.BackingFile, lv.SizeBytes);
            await _backing.RefreshCapacityAsync(lv, CancellationToken.None).ConfigureAwait(false);
        }

        return ToRecord(lv, ReadMounted());
    }

    private async Task RemoveVolumeCoreAsync(string volumeGroup, string name, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.RemoveVolume, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);

        using var _ = await BeginAsync(LvmOperation.RemoveVolume, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvremove", "--yes", $"{volumeGroup}/{name}");

        // LvmCli lists the VG first (lvs fails for a missing VG), then refuses when dependents exist.
        var vg = RequireVg(LvsArgv(volumeGroup), volumeGroup);
        var dependents = vg.VisibleLvs
            .Where(lv => lv.Name != name && (lv.Pool == name || (lv.Origin == name && !lv.IsThin)))
            .Select(lv => lv.Name)
            .ToList();
        if (dependents.Count > 0)
        {
            throw new LvmInUseException(
                $"{volumeGroup}/{name} was not removed: it has dependent volume(s) {string.Join(", ", dependents)} that LVM would remove with it",
                argv);
        }

        var target = vg.FindVisible(name) ?? throw SimErrors.LogicalVolumeNotFound(argv, volumeGroup, name);
        ThrowIfBusy(argv, target, ReadMounted());
        await RemoveLvAsync(target).ConfigureAwait(false);
    }

    private async Task ActivateVolumeGroupCoreAsync(string volumeGroup, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ActivateVolumeGroup, volumeGroup, instrumented);
        LvmValidation.ValidateVolumeGroupName(volumeGroup, nameof(volumeGroup));

        using var _ = await BeginAsync(LvmOperation.ActivateVolumeGroup, instrumented, ct).ConfigureAwait(false);
        var vg = RequireVg(SimErrors.Argv("vgchange", "--activate", "y", volumeGroup), volumeGroup);
        foreach (var lv in vg.VisibleLvs.OrderBy(lv => lv.IsThinPool ? 0 : 1).ToList())
        {
            if (!lv.ActivationSkip)
            {
                await ActivateWithDependenciesAsync(lv).ConfigureAwait(false);
            }
        }
    }

    private async Task ActivateVolumeCoreAsync(string volumeGroup, string name, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ActivateVolume, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);

        using var _ = await BeginAsync(LvmOperation.ActivateVolume, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvchange", "--yes", "--activate", "y", "--ignoreactivationskip", $"{volumeGroup}/{name}");
        var vg = RequireVg(argv, volumeGroup);
        var lv = vg.FindVisible(name) ?? throw SimErrors.LogicalVolumeNotFound(argv, volumeGroup, name);
        await ActivateWithDependenciesAsync(lv).ConfigureAwait(false);
    }

    private async Task RefreshVolumeCoreAsync(string volumeGroup, string name, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.RefreshVolume, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);

        using var _ = await BeginAsync(LvmOperation.RefreshVolume, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvchange", "--yes", "--refresh", $"{volumeGroup}/{name}");
        var vg = RequireVg(argv, volumeGroup);
        var lv = vg.FindVisible(name) ?? throw SimErrors.LogicalVolumeNotFound(argv, volumeGroup, name);

        // Measured (LVM 2.03.16): a suspended device is resumed. An inactive LV stays inactive (lvchange(8)).
        lv.Suspended = false;
    }

    private async Task DeactivateVolumeCoreAsync(string volumeGroup, string name, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.DeactivateVolume, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);

        using var _ = await BeginAsync(LvmOperation.DeactivateVolume, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvchange", "--yes", "--activate", "n", $"{volumeGroup}/{name}");
        var vg = RequireVg(argv, volumeGroup);
        var lv = vg.FindVisible(name) ?? throw SimErrors.LogicalVolumeNotFound(argv, volumeGroup, name);
        if (!lv.Active)
        {
            return;
        }

        // Measured: a pool LV deactivates while its thin volumes are active (they keep the pool running).
        var mounted = ReadMounted();
        ThrowIfBusy(argv, lv, mounted, countThinUsers: false);
        var snapshots = lv.CowSnapshots.ToList();
        var open = snapshots.Where(s => s.Active && BusyReason(s, mounted) is not null).ToList();
        if (open.Count > 0)
        {
            // Measured with a mounted snapshot: "Logical volume vg/cow contains a filesystem in use."
            // then "LV vg/lin has open 1 snapshot(s), not deactivating."
            throw SimErrors.InUse(argv, [
                .. open.Select(s => $"Logical volume {s.FullName} {BusyReason(s, mounted)}"),
                $"LV {lv.FullName} has open {open.Count} snapshot(s), not deactivating."]);
        }

        foreach (var snapshot in snapshots)
        {
            await DeactivateLvAsync(snapshot).ConfigureAwait(false);
        }

        await DeactivateLvAsync(lv).ConfigureAwait(false);
    }

    private async Task ChangeTagsCoreAsync(string volumeGroup, string name, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ChangeTags, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        LvmValidation.ValidateTags(add, nameof(add));
        LvmValidation.ValidateTags(remove, nameof(remove));
        if (add.Count + remove.Count == 0)
        {
            throw new LvmValidationException("no tags to add or remove", nameof(add));
        }

        using var _ = await BeginAsync(LvmOperation.ChangeTags, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv(["lvchange", .. add.SelectMany(t => new[] { "--addtag", t }), .. remove.SelectMany(t => new[] { "--deltag", t }), $"{volumeGroup}/{name}"]);
        var vg = RequireVg(argv, volumeGroup);
        var lv = vg.FindVisible(name) ?? throw SimErrors.LogicalVolumeNotFound(argv, volumeGroup, name);

        // Measured: "lvchange --addtag t1 --addtag t2 --deltag t1" leaves t2 only (deletions win).
        var removed = remove.ToHashSet(StringComparer.Ordinal);
        lv.Tags = TagSet.From(lv.Tags.Concat(add).Where(t => !removed.Contains(t)));
    }

    private async Task<bool> ChangeTagsIfCoreAsync(
        string volumeGroup, string name, LvCondition condition, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ChangeTagsIf, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        ArgumentNullException.ThrowIfNull(condition);
        condition.Validate(nameof(condition));
        LvmValidation.ValidateTags(add, nameof(add));
        LvmValidation.ValidateTags(remove, nameof(remove));
        if (add.Count + remove.Count == 0)
        {
            throw new LvmValidationException("no tags to add or remove", nameof(add));
        }

        using var _ = await BeginAsync(LvmOperation.ChangeTagsIf, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv(["lvchange", .. add.SelectMany(t => new[] { "--addtag", t }), .. remove.SelectMany(t => new[] { "--deltag", t }), $"{volumeGroup}/{name}"]);
        var vg = RequireVg(argv, volumeGroup);
        var lv = vg.FindVisible(name) ?? throw SimErrors.LogicalVolumeNotFound(argv, volumeGroup, name);
        if (!condition.IsSatisfiedBy(ToRecord(lv, ReadMounted())))
        {
            return false;
        }

        var removed = remove.ToHashSet(StringComparer.Ordinal);
        lv.Tags = TagSet.From(lv.Tags.Concat(add).Where(t => !removed.Contains(t)));
        return true;
    }

    private async Task<bool> RemoveVolumeIfCoreAsync(string volumeGroup, string name, LvCondition condition, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.RemoveVolumeIf, $"{volumeGroup}/{name}", instrumented);
        LvmValidation.ValidateLogicalVolume(volumeGroup, name);
        ArgumentNullException.ThrowIfNull(condition);
        condition.Validate(nameof(condition));

        using var _ = await BeginAsync(LvmOperation.RemoveVolumeIf, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("lvremove", "--yes", "--select", condition.ToSelection() ?? string.Empty, $"{volumeGroup}/{name}");
        var vg = RequireVg(argv, volumeGroup);
        var lv = vg.FindVisible(name) ?? throw SimErrors.LogicalVolumeNotFound(argv, volumeGroup, name);
        var mounted = ReadMounted();
        if (!condition.IsSatisfiedBy(ToRecord(lv, mounted)))
        {
            return false;
        }

        // lvremove --yes takes dependents along (only a condition WithoutDependents rules them out).
        var doomed = lv.CowSnapshots.Concat(lv.ThinVolumes).Append(lv).ToList();
        foreach (var victim in doomed)
        {
            ThrowIfBusy(argv, victim, mounted, countThinUsers: false);
        }

        foreach (var victim in doomed)
        {
            await RemoveLvAsync(victim).ConfigureAwait(false);
        }

        return true;
    }

    // ================================================================ core: PVs and VGs

    private async Task CreatePhysicalVolumeCoreAsync(string device, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.CreatePhysicalVolume, device, instrumented);
        LvmValidation.ValidateDevicePath(device, nameof(device));

        using var _ = await BeginAsync(LvmOperation.CreatePhysicalVolume, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv("pvcreate", device);
        var dev = RequireDevice(argv, device);
        if (dev.Pv?.Vg is { } vg)
        {
            throw SimErrors.AlreadyExists(argv,
                $"Can't initialize physical volume \"{device}\" of volume group \"{vg.Name}\" without -ff",
                $"{device}: physical volume not initialized.");
        }

        ThrowIfSignature(argv, dev);
        dev.Pv ??= new SimPv(dev, NewUuid());
    }

    private async Task CreateVolumeGroupCoreAsync(string name, IReadOnlyCollection<string> devices, IReadOnlyCollection<string> tags, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.CreateVolumeGroup, name, instrumented);
        LvmValidation.ValidateVolumeGroupName(name, nameof(name));
        LvmValidation.ValidateDevices(devices, nameof(devices));
        LvmValidation.ValidateTags(tags, nameof(tags));

        using var _ = await BeginAsync(LvmOperation.CreateVolumeGroup, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv(["vgcreate", .. tags.SelectMany(t => new[] { "--addtag", t }), name, .. devices]);
        if (_vgs.ContainsKey(name))
        {
            throw SimErrors.AlreadyExists(argv, $"A volume group called {name} already exists.");
        }

        var usable = devices.Select(d => RequireUsableDevice(argv, d, name, adding: false)).ToList();
        var vg = new SimVg(name, NewUuid(), _options.ExtentSizeBytes, TagSet.From(tags));
        foreach (var dev in usable)
        {
            AttachPv(vg, dev);
        }

        _vgs.Add(name, vg);
    }

    private async Task ExtendVolumeGroupCoreAsync(string name, IReadOnlyCollection<string> devices, bool instrumented, CancellationToken ct)
    {
        Record(LvmOperation.ExtendVolumeGroup, name, instrumented);
        LvmValidation.ValidateVolumeGroupName(name, nameof(name));
        LvmValidation.ValidateDevices(devices, nameof(devices));

        using var _ = await BeginAsync(LvmOperation.ExtendVolumeGroup, instrumented, ct).ConfigureAwait(false);
        var argv = SimErrors.Argv(["vgextend", name, .. devices]);
        var vg = RequireVg(argv, name);
        var usable = devices.Select(d => RequireUsableDevice(argv, d, name, adding: true)).ToList();
        foreach (var dev in usable)
        {
            AttachPv(vg, dev);
        }
    }
}
