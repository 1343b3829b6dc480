using System.Globalization;
using Stratum.Lvm;

namespace Stratum.Testing.Lvm;

/// <summary>Locking, test-control plumbing, lookups, the LV lifecycle, sizes and report records.</summary>
public sealed partial class LvmSimulator
{
    // ================================================================ plumbing: calls

    private void Record(LvmOperation operation, string target, bool instrumented)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!instrumented)
        {
            return;
        }

        lock (_controlLock)
        {
            _calls.Add(new LvmCall(operation, target));
        }
    }

    /// <summary>Delay, gate and injected failure (instrumented calls only), then the model lock.</summary>
    private async Task<IDisposable> BeginAsync(LvmOperation operation, bool instrumented, CancellationToken ct)
    {
        if (instrumented)
        {
            TimeSpan delay;
            LvmGate? gate;
            lock (_controlLock)
            {
                delay = _delays.GetValueOrDefault(operation);
                gate = _gates.GetValueOrDefault(operation);
            }

            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }

            if (gate is not null)
            {
                await gate.PassAsync(ct).ConfigureAwait(false);
            }

            Exception? failure = null;
            lock (_controlLock)
            {
                if (_failures.TryGetValue(operation, out var queue) && queue.Count > 0)
                {
                    failure = queue.Dequeue();
                }
            }

            if (failure is not null)
            {
                throw failure;
            }
        }

        ct.ThrowIfCancellationRequested();
        return await LockAsync(ct).ConfigureAwait(false);
    }

    private async Task<IDisposable> LockAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        if (_disposed)
        {
            _lock.Release();
            throw new ObjectDisposedException(nameof(LvmSimulator));
        }

        return new Releaser(_lock);
    }

    private Releaser Lock()
    {
        _lock.Wait();
        if (_disposed)
        {
            _lock.Release();
            throw new ObjectDisposedException(nameof(LvmSimulator));
        }

        return new Releaser(_lock);
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }

    // ================================================================ plumbing: lookups and rules

    private static string[] LvsArgv(string target) =>
        SimErrors.Argv("lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", LvFields, target);

    private SimVg RequireVg(string[] argv, string name) =>
        _vgs.GetValueOrDefault(name) ?? throw SimErrors.VolumeGroupNotFound(argv, name);

    private static void RequireNameFree(string[] argv, SimVg vg, string name)
    {
        if (vg.Lvs.ContainsKey(name))
        {
            throw SimErrors.AlreadyExists(argv, $"Logical Volume \"{name}\" already exists in volume group \"{vg.Name}\"");
        }
    }

    private static SimLv RequireOrigin(string[] argv, SimVg vg, string origin) =>
        vg.FindVisible(origin) ?? throw SimErrors.NotFound(argv, $"Snapshot origin LV {origin} not found in Volume group {vg.Name}.");

    private SimDevice RequireDevice(string[] argv, string device) =>
        _devices.GetValueOrDefault(device) ?? throw SimErrors.NotFound(argv, $"No device found for {device}.");

    private SimDevice RequireUsableDevice(string[] argv, string device, string vgName, bool adding)
    {
        var dev = RequireDevice(argv, device);
        if (dev.Pv?.Vg is { } owner)
        {
            string[] lines = adding
                ? [$"Physical volume '{device}' is already in volume group '{owner.Name}'", $"Unable to add physical volume '{device}' to volume group '{vgName}'", $"{device}: physical volume not initialized."]
                : [$"Physical volume '{device}' is already in volume group '{owner.Name}'"];
            throw SimErrors.AlreadyExists(argv, lines);
        }

        if (dev.Pv is null)
        {
            ThrowIfSignature(argv, dev);
        }

        if (dev.SizeBytes < PeStartBytes + _options.ExtentSizeBytes)
        {
            throw SimErrors.CommandFailed(argv, $"Physical volume {device} is too small to hold one extent.");
        }

        return dev;
    }

    private static void ThrowIfSignature(string[] argv, SimDevice dev)
    {
        if (dev.Signature is { } signature)
        {
            throw SimErrors.CommandFailed(argv,
                $"WARNING: {signature} signature detected on {dev.Path} at offset 1080. Wipe it? [y/n]: [n]",
                $"Aborted wiping of {signature}.",
                "1 existing signature left on the device.");
        }
    }

    private void AttachPv(SimVg vg, SimDevice dev)
    {
        var pv = dev.Pv ??= new SimPv(dev, NewUuid());
        pv.Vg = vg;
        pv.ExtentCount = (dev.SizeBytes - PeStartBytes) / vg.ExtentSize;
        pv.FreeExtents = pv.ExtentCount;
        vg.Pvs.Add(pv);
    }

    /// <summary>
    /// Whether a pool runs in the kernel: its own LV is active, or any of its thin volumes is (LVM
    /// then keeps the pool's hidden layer up and reports its usage while the pool LV is inactive).
    /// </summary>
    private static bool IsPoolRunning(SimLv pool) => pool.Active || pool.ThinVolumes.Any(t => t.Active);

    private static void ThrowIfPoolFull(string[] argv, SimLv pool)
    {
        if (IsPoolRunning(pool) && (pool.DataPercent ?? 0) >= 100)
        {
            throw SimErrors.InsufficientSpace(argv,
                $"WARNING: Thin pool {pool.FullName} is out of data space.",
                $"Cannot create new thin volume, free space in thin pool {pool.FullName} reached threshold.");
        }
    }

    /// <summary>Why the LV counts as open, or <c>null</c>. A pool is open while thin volumes are active.</summary>
    private static string? BusyReason(SimLv lv, HashSet<string>? mounted, bool countThinUsers = true)
    {
        if (!lv.Active)
        {
            return null;
        }

        if (countThinUsers && lv.IsThinPool && lv.ThinVolumes.Any(t => t.Active))
        {
            return "in use.";
        }

        var backed = mounted is null ? null : LoopBacking.BusyReason(lv, mounted);
        return backed ?? (lv.ForcedOpen ? "in use." : null);
    }

    private static void ThrowIfBusy(string[] argv, SimLv lv, HashSet<string>? mounted, bool countThinUsers = true)
    {
        if (BusyReason(lv, mounted, countThinUsers) is { } reason)
        {
            throw SimErrors.InUse(argv, $"Logical volume {lv.FullName} {reason}");
        }
    }

    private HashSet<string>? ReadMounted() =>
        _backing is not null && _vgs.Values.Any(vg => vg.Lvs.Values.Any(lv => lv.LoopDevice is not null))
            ? _backing.ReadMountedDevices()
            : null;

    private SimDevice Device(string path) =>
        _devices.GetValueOrDefault(path) ?? throw new ArgumentException($"no device {path}", nameof(path));

    private SimLv Lv(string volumeGroup, string name) =>
        _vgs.GetValueOrDefault(volumeGroup)?.FindVisible(name)
        ?? throw new ArgumentException($"no LV {volumeGroup}/{name}", nameof(name));

    // ================================================================ plumbing: LV lifecycle

    private async Task AddLvAsync(SimLv lv, Allocator? allocator, bool active, SimLv? copyFrom)
    {
        if (_backing is not null && !lv.IsThinPool)
        {
            var file = _backing.NewFilePath(lv.Vg.Name, lv.Name, lv.Uuid);
            try
            {
                if (copyFrom?.BackingFile is { } source)
                {
                    await _backing.CopyFileAsync(source, file, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    LoopBacking.CreateFile(file, lv.SizeBytes);
                }

                lv.BackingFile = file;
                if (active)
                {
                    await _backing.AttachAsync(lv, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch
            {
                File.Delete(file);
                throw;
            }
        }

        allocator?.Commit();
        lv.Vg.Lvs.Add(lv.Name, lv);
        if (active)
        {
            lv.Active = true;
            lv.DmMinor = lv.LoopDevice is null ? AllocateMinor() : null;
        }
    }

    private async Task RemoveLvAsync(SimLv lv)
    {
        if (!lv.Vg.Lvs.TryGetValue(lv.Name, out var current) || !ReferenceEquals(current, lv))
        {
            return; // already gone (a pmspare removed with the last pool)
        }

        await DeactivateLvAsync(lv).ConfigureAwait(false);
        if (lv.BackingFile is { } file)
        {
            File.Delete(file);
        }

        foreach (var area in lv.Allocations)
        {
            area.Pv.FreeExtents += area.Count;
        }

        var vg = lv.Vg;
        vg.Lvs.Remove(lv.Name);
        foreach (var snapshot in vg.Lvs.Values.Where(s => s.IsThin && s.Origin == lv.Name))
        {
            snapshot.Origin = null;
        }

        if (lv.IsThinPool && !vg.Lvs.Values.Any(p => p.IsThinPool) && vg.Lvs.TryGetValue(PoolMetadataSpareName, out var spare))
        {
            await RemoveLvAsync(spare).ConfigureAwait(false);
        }
    }

    private async Task ActivateWithDependenciesAsync(SimLv lv)
    {
        // A thin volume brings up its pool underneath but, measured, not the pool LV itself.
        // A COW snapshot lives in its origin's device tree: activating either activates both.
        var origin = lv.IsCow ? lv.Vg.Lvs[lv.Origin!] : lv;
        await ActivateLvAsync(origin).ConfigureAwait(false);
        foreach (var snapshot in origin.CowSnapshots)
        {
            await ActivateLvAsync(snapshot).ConfigureAwait(false);
        }

        await ActivateLvAsync(lv).ConfigureAwait(false);
    }

    private async Task ActivateLvAsync(SimLv lv)
    {
        if (lv.Active)
        {
            return;
        }

        if (_backing is not null && lv.BackingFile is not null)
        {
            await _backing.AttachAsync(lv, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            lv.DmMinor = AllocateMinor();
        }

        lv.Active = true;
    }

    private async Task DeactivateLvAsync(SimLv lv)
    {
        if (!lv.Active)
        {
            return;
        }

        if (lv.LoopDevice is not null)
        {
            await _backing!.DetachAsync(lv, CancellationToken.None).ConfigureAwait(false);
        }

        if (lv.DmMinor is { } minor)
        {
            _dmMinors.Remove(minor);
            lv.DmMinor = null;
        }

        lv.Active = false;
    }

    private int AllocateMinor()
    {
        var minor = 0;
        while (!_dmMinors.Add(minor))
        {
            minor++;
        }

        return minor;
    }

    private static bool HasSpare(SimVg vg) => vg.Lvs.ContainsKey(PoolMetadataSpareName);

    private static long SpareGrowth(SimVg vg, long metadataExtents) =>
        Math.Max(0, metadataExtents - (vg.Lvs.GetValueOrDefault(PoolMetadataSpareName)?.Extents ?? 0));

    private static void AddSpare(SimVg vg, List<SimExtents> areas, long extents)
    {
        if (extents == 0)
        {
            return;
        }

        if (!vg.Lvs.TryGetValue(PoolMetadataSpareName, out var spare))
        {
            spare = new SimLv(vg, PoolMetadataSpareName, NewUuid(), SimLvKind.PoolMetadataSpare);
            vg.Lvs.Add(spare.Name, spare);
        }

        spare.Extents += extents;
        spare.Allocations.AddRange(areas);
    }

    // ================================================================ plumbing: sizes

    private static long ExtentsFor(long sizeBytes, SimVg vg) => CeilDiv(LvmValidation.RoundUpToSector(sizeBytes), vg.ExtentSize);

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;

    private static long RoundUp(long value, long multiple) => CeilDiv(value, multiple) * multiple;

    private static string Bytes(long bytes) => LvmValidation.RoundUpToSector(bytes).ToString(CultureInfo.InvariantCulture) + "b";

    /// <summary>
    /// The largest useful COW size for an origin (lvm2 <c>cow_max_extents</c>): a header chunk,
    /// one data chunk per origin chunk, and one metadata chunk per 256 exceptions (4 KiB chunks).
    /// A 16 MiB origin gets 20 MiB, as measured.
    /// </summary>
    private static long CowMaxExtents(SimLv origin)
    {
        var originChunks = CeilDiv(origin.SizeBytes, SnapshotChunkBytes);
        var exceptionsPerChunk = SnapshotChunkBytes / 16;
        var metadataChunks = (originChunks + exceptionsPerChunk) / exceptionsPerChunk;
        return CeilDiv((1 + originChunks + metadataChunks) * SnapshotChunkBytes, origin.Vg.ExtentSize);
    }

    /// <summary>
    /// Default tmeta size (lvm2's estimate): 64 bytes per data chunk, at least 2 MiB, at most
    /// 128 MiB (LVM grows the chunk size instead), in whole extents. A 32 MiB pool gets one 4 MiB
    /// extent; growing a pool to 100 GiB grows tmeta to 100 MiB, as measured.
    /// </summary>
    private static long PoolMetadataExtents(long dataExtents, SimVg vg, long chunkBytes)
    {
        var bytes = dataExtents * vg.ExtentSize / chunkBytes * 64;
        bytes = Math.Clamp(bytes, 2 * MiB, 128 * MiB);
        return CeilDiv(bytes, vg.ExtentSize);
    }

    // ================================================================ plumbing: records

    private static PhysicalVolume ToRecord(SimPv pv)
    {
        var vg = pv.Vg;
        var size = vg is null ? pv.Device.SizeBytes : pv.ExtentCount * vg.ExtentSize;
        return new PhysicalVolume
        {
            Name = pv.Device.Path,
            VolumeGroup = vg?.Name,
            Uuid = pv.Uuid,
            SizeBytes = size,
            FreeBytes = vg is null ? size : pv.FreeExtents * vg.ExtentSize,
            Attributes = vg is null ? "---" : "a--",
            Tags = TagSet.Empty,
            DeviceSizeBytes = pv.Device.SizeBytes,
        };
    }

    private static VolumeGroup ToRecord(SimVg vg) => new()
    {
        Name = vg.Name,
        Uuid = vg.Uuid,
        SizeBytes = vg.ExtentCount * vg.ExtentSize,
        FreeBytes = vg.FreeExtents * vg.ExtentSize,
        ExtentSizeBytes = vg.ExtentSize,
        ExtentCount = vg.ExtentCount,
        FreeExtentCount = vg.FreeExtents,
        Attributes = "wz--n-",
        Tags = vg.Tags,
        PhysicalVolumeCount = vg.Pvs.Count,
        LogicalVolumeCount = vg.VisibleLvs.Count(),
    };

    private LogicalVolume ToRecord(SimLv lv, HashSet<string>? mounted)
    {
        var vg = lv.Vg;
        int? major = null, minor = null;
        if (lv.Active)
        {
            (major, minor) = lv.LoopDevice is not null ? (lv.LoopMajor, lv.LoopMinor) : (DeviceMapperMajor, lv.DmMinor);
        }

        var withDataPercent = lv.IsThinPool ? IsPoolRunning(lv) : lv.Active && (lv.IsThin || lv.IsCow);
        return new LogicalVolume
        {
            VolumeGroup = vg.Name,
            Name = lv.Name,
            Uuid = lv.Uuid,
            SizeBytes = lv.SizeBytes,
            Attributes = Attributes(lv, BusyReason(lv, mounted) is not null),
            Tags = lv.Tags,
            Path = lv.IsThinPool ? null : _backing?.LinkPath(vg.Name, lv.Name) ?? $"/dev/{vg.Name}/{lv.Name}",
            DeviceMapperPath = $"/dev/mapper/{vg.Name.Replace("-", "--", StringComparison.Ordinal)}-{lv.Name.Replace("-", "--", StringComparison.Ordinal)}",
            KernelMajor = major,
            KernelMinor = minor,
            Pool = lv.Pool,
            Origin = lv.Origin,
            DataPercent = withDataPercent ? lv.DataPercent ?? 0 : null,
            MetadataPercent = lv.IsThinPool && IsPoolRunning(lv) ? lv.MetadataPercent ?? FreshPoolMetadataPercent(lv) : null,
            SegmentType = lv.Kind switch
            {
                SimLvKind.Striped => "striped",
                SimLvKind.Raid1 => "raid1",
                SimLvKind.ThinPool => "thin-pool",
                SimLvKind.Thin => "thin",
                _ => "linear",
            },
            IsActive = lv.Active,
            Stripes = lv.Stripes,
            HealthStatus = lv.HealthStatus,
        };
    }

    /// <summary>A fresh pool's metadata use: LVM 2.03.16 reported 10.94 % of a 4 MiB tmeta.</summary>
    private static double FreshPoolMetadataPercent(SimLv pool) =>
        Math.Round(458_752.0 / (pool.MetadataExtents * pool.Vg.ExtentSize) * 100, 2);

    /// <summary>lv_attr as lvm2's <c>lv_attr_dup</c> builds it (ten characters).</summary>
    private static string Attributes(SimLv lv, bool open)
    {
        Span<char> a = stackalloc char[10];
        a.Fill('-');
        a[0] = lv.IsOrigin ? 'o' : lv.Kind switch
        {
            SimLvKind.Raid1 => lv.NotSynced ? 'R' : 'r',
            SimLvKind.Thin => 'V',
            SimLvKind.ThinPool => 't',
            SimLvKind.Cow => 's',
            SimLvKind.PoolMetadataSpare => 'e',
            _ => '-',
        };
        a[1] = 'w';
        a[2] = lv.AllocationPolicy;
        a[4] = lv.Active ? (lv.Suspended ? 's' : 'a') : '-';
        a[5] = lv.Active && open ? 'o' : '-';
        a[6] = lv.Kind switch
        {
            SimLvKind.ThinPool or SimLvKind.Thin => 't',
            SimLvKind.Raid1 => 'r',
            SimLvKind.Cow => 's',
            _ => lv.IsOrigin ? 's' : '-',
        };
        a[7] = lv.IsThinPool || lv.IsThin ? 'z' : '-';
        a[8] = HealthAttribute(lv);
        a[9] = lv.ActivationSkip ? 'k' : '-';
        return new string(a);
    }

    private static char HealthAttribute(SimLv lv) => lv.HealthStatus switch
    {
        null => '-',
        "partial" => 'p',
        "refresh needed" when lv.Kind == SimLvKind.Raid1 => 'r',
        "mismatches exist" when lv.Kind == SimLvKind.Raid1 => 'm',
        "failed" when lv.IsThinPool || lv.IsThin => 'F',
        "out_of_data" when lv.IsThinPool => 'D',
        "metadata_read_only" when lv.IsThinPool => 'M',
        _ => '-',
    };

    private static string NewUuid()
    {
        Span<char> chars = stackalloc char[38];
        var groups = new[] { 6, 4, 4, 4, 4, 4, 6 };
        var i = 0;
        foreach (var length in groups)
        {
            if (i > 0)
            {
                chars[i++] = '-';
            }

            for (var j = 0; j < length; j++)
            {
                chars[i++] = UuidAlphabet[Random.Shared.Next(UuidAlphabet.Length)];
            }
        }

        return new string(chars);
    }
}
