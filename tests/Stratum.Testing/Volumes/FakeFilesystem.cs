using Stratum.Config;
using Stratum.Volumes.Filesystems;
using Stratum.Platform;

namespace Stratum.Testing.Volumes;

/// <summary>
/// An in-memory host for the engine (<see cref="IFilesystemOps"/>): block devices by path and
/// number, what a probe finds on each, files and directories, a mount table that mount, bind and
/// umount edit, device-mapper devices, and a log of every change. Thread-safe enough for the
/// engine's use (one lock).
/// </summary>
public sealed class FakeFilesystem : IFilesystemOps
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeviceNumber> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<DeviceNumber, string> _dmNames = [];
    private readonly Dictionary<string, DeviceContents> _contents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileKind> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceNumber> _boundNodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceMapping> _mappings = new(StringComparer.Ordinal);
    private readonly List<MountEntry> _mounts = [];
    private readonly List<string> _changes = [];
    private uint _nextMinor = 1000;
    private int _nextMountId = 100;

    /// <summary>Every change made, in order ("mkfs ext4 /dev/vg/lv", "mount ...", "discard ...", "dmsetup create ...").</summary>
    public IReadOnlyList<string> Changes
    {
        get
        {
            lock (_gate)
            {
                return [.. _changes];
            }
        }
    }

    public IReadOnlyList<MountEntry> Mounts => ReadMounts();

    /// <summary>What <see cref="DiscardAsync"/> answers (and whether it records a discard).</summary>
    public DiscardOutcome DiscardAnswer { get; set; } = DiscardOutcome.Discarded;

    /// <summary>When set, the next change of this kind ("mkfs", "mount", "bind", "discard", ...) throws it.</summary>
    public Dictionary<string, Exception> FailNext { get; } = new(StringComparer.Ordinal);

    /// <summary>Registers a block device node (an LV's) with its number and device-mapper name.</summary>
    public void AddDevice(string path, DeviceNumber number, string? dmName = null)
    {
        lock (_gate)
        {
            _devices[path] = number;
            if (dmName is not null)
            {
                _dmNames[number] = dmName;
            }
        }
    }

    public void SetContents(string device, DeviceContents contents)
    {
        lock (_gate)
        {
            _contents[device] = contents;
        }
    }

    public void AddFile(string path, FileKind kind = FileKind.Regular)
    {
        lock (_gate)
        {
            _files[path] = kind;
        }
    }

    public bool Exists(string path) => Lstat(path).Exists;

    public IReadOnlyCollection<string> MappingNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _mappings.Keys];
            }
        }
    }

    public Task<DeviceContents> ProbeAsync(string device, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequireDevice(device);
            return Task.FromResult(_contents.GetValueOrDefault(device, DeviceContents.Blank));
        }
    }

    public Task FormatAsync(string device, FileSystemType type, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change("mkfs", $"mkfs {type.ToName()} {device}");
            RequireDevice(device);
            _contents[device] = new DeviceContents(false, type.ToName(), "filesystem");
            return Task.CompletedTask;
        }
    }

    public Task MountAsync(string device, string target, FileSystemType type, IReadOnlyList<string> options, CancellationToken cancellationToken)
    {
        MountOptions.Validate(options, nameof(options));
        lock (_gate)
        {
            Change("mount", $"mount {device} {target}");
            var number = RequireDevice(device);
            RequireDirectory(target);
            _mounts.Add(new MountEntry(_nextMountId++, 1, number.Major, number.Minor, "/", target, "rw,relatime", type.ToName(), device, "rw"));
            return Task.CompletedTask;
        }
    }

    public Task BindMountAsync(string source, string target, bool readOnly, IReadOnlyList<string> options, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change("bind", $"bind {source} {target}{(readOnly ? " ro" : string.Empty)}");
            var mode = readOnly ? "ro" : "rw";
            if (_devices.TryGetValue(source, out var node))
            {
                if (!_files.TryGetValue(target, out var kind) || kind != FileKind.Regular)
                {
                    throw new IOException($"bind target {target} is not a file");
                }

                _boundNodes[target] = node;
                _mounts.Add(new MountEntry(_nextMountId++, 1, 0, 5, source.Replace("/dev", string.Empty, StringComparison.Ordinal), target, mode, "devtmpfs", "udev", "rw"));
                return Task.CompletedTask;
            }

            RequireDirectory(target);
            var mounted = MountInfo.FindMountPoint(_mounts, source) ?? throw new IOException($"nothing is mounted at {source}");
            _mounts.Add(mounted with { Id = _nextMountId++, MountPoint = target, Options = mode });
            return Task.CompletedTask;
        }
    }

    public Task UnmountAsync(string target, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change("umount", $"umount {target}");
            var mount = MountInfo.FindMountPoint(_mounts, target) ?? throw new FilesystemCommandException($"umount: {target}: not mounted", ["umount", target], 32, "not mounted");
            _mounts.Remove(mount);
            _boundNodes.Remove(target);
            return Task.CompletedTask;
        }
    }

    public Task GrowAsync(string device, string mountPoint, FileSystemType type, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change("grow", $"grow {type.ToName()} {device} {mountPoint}");
            return Task.CompletedTask;
        }
    }

    public IReadOnlyList<MountEntry> ReadMounts()
    {
        lock (_gate)
        {
            return [.. _mounts];
        }
    }

    public FilesystemStats GetStats(string path) => new(1000, 600, 400, 100, 90, 10);

    /// <summary>When set, every copy waits for it (or for its own cancellation, which stops it as dd would be killed).</summary>
    public TaskCompletionSource? CopyHold { get; set; }

    /// <summary>Copies stopped through their cancellation token.</summary>
    public int CopiesStopped { get; private set; }

    public async Task CopyDeviceAsync(string source, string target, long bytes, CancellationToken cancellationToken)
    {
        if (CopyHold is { } hold)
        {
            try
            {
                await hold.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    CopiesStopped++;
                }

                throw;
            }
        }

        lock (_gate)
        {
            Change("copy", $"copy {source} {target} {bytes}");
            _contents[target] = _contents.GetValueOrDefault(source, DeviceContents.Blank);
        }
    }


    public Task<DiscardOutcome> DiscardAsync(string device, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequireDevice(device);
            if (DiscardAnswer == DiscardOutcome.Discarded)
            {
                Change("discard", $"discard {device}");
                _contents[device] = DeviceContents.Blank;
            }

            return Task.FromResult(DiscardAnswer);
        }
    }

    public Task CreateReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change("dmsetup", $"dmsetup create {name} {backing} {sectors}");
            if (_mappings.ContainsKey(name))
            {
                throw new FilesystemCommandException($"device-mapper: create ioctl on {name} failed: Device or resource busy", ["dmsetup"], 1, "busy");
            }

            var device = new DeviceNumber(253, _nextMinor++);
            _mappings[name] = new DeviceMapping(name, device, sectors, [backing]);
            _devices[$"/dev/mapper/{name}"] = device;
            _dmNames[device] = name;
            return Task.CompletedTask;
        }
    }

    /// <summary>Adds a device-mapper device over <paramref name="backing"/> (what cryptsetup open makes), with its node under /dev/mapper.</summary>
    public DeviceNumber AddMapping(string name, DeviceNumber backing, long sectors)
    {
        lock (_gate)
        {
            var device = new DeviceNumber(253, _nextMinor++);
            _mappings[name] = new DeviceMapping(name, device, sectors, [backing]);
            _devices[$"/dev/mapper/{name}"] = device;
            _dmNames[device] = name;
            return device;
        }
    }

    /// <summary>Removes a device-mapper device without recording a change (the collaborator records its own).</summary>
    public void DropMapping(string name)
    {
        lock (_gate)
        {
            var mapping = _mappings[name];
            _mappings.Remove(name);
            _devices.Remove($"/dev/mapper/{name}");
            _dmNames.Remove(mapping.Device);
        }
    }

    /// <summary>Gives a device-mapper device a new size.</summary>
    public void ResizeMapping(string name, long sectors)
    {
        lock (_gate)
        {
            _mappings[name] = _mappings[name] with { Sectors = sectors };
        }
    }

    /// <summary>Records a change made by a collaborator (e.g. the fake encryption) in <see cref="Changes"/>.</summary>
    public void Record(string kind, string change)
    {
        lock (_gate)
        {
            Change(kind, change);
        }
    }

    public Task ResizeReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change("dmsetup", $"dmsetup resize {name} {sectors}");
            _mappings[name] = _mappings[name] with { Sectors = sectors, Backing = [backing] };
            return Task.CompletedTask;
        }
    }

    public Task RemoveMappingAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Change("dmsetup", $"dmsetup remove {name}");
            var mapping = _mappings[name];
            _mappings.Remove(name);
            _devices.Remove($"/dev/mapper/{name}");
            _dmNames.Remove(mapping.Device);
            return Task.CompletedTask;
        }
    }

    public IReadOnlyList<DeviceMapping> FindMappings(string prefix)
    {
        lock (_gate)
        {
            return [.. _mappings.Values.Where(m => m.Name.StartsWith(prefix, StringComparison.Ordinal))];
        }
    }

    /// <summary>The target types <see cref="MappingTargetsAsync"/> reports per device-mapper name (default: one linear target).</summary>
    public Dictionary<string, IReadOnlyList<string>> MappingTargets { get; } = new(StringComparer.Ordinal);

    /// <summary>What <see cref="ReadFirstBlockAsync"/> answers per device path (default: the block was read).</summary>
    public Dictionary<string, BlockReadResult> BlockReads { get; } = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<string>> MappingTargetsAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(MappingTargets.GetValueOrDefault(name) ?? ["linear"]);
        }
    }

    public Task<BlockReadResult> ReadFirstBlockAsync(string device, TimeSpan timeout)
    {
        lock (_gate)
        {
            return Task.FromResult(BlockReads.GetValueOrDefault(device) ?? new BlockReadResult(BlockReadOutcome.Read, "read"));
        }
    }

    /// <summary>Device-mapper UUIDs and sizes of registered devices (<see cref="AddDeviceMapperDevice"/>).</summary>
    private readonly Dictionary<DeviceNumber, (string Uuid, long Sectors)> _dmDevices = [];

    /// <summary>Registers a device-mapper device node with everything sysfs shows of it.</summary>
    public void AddDeviceMapperDevice(string path, DeviceNumber number, string dmName, string dmUuid, long sectors)
    {
        lock (_gate)
        {
            AddDevice(path, number, dmName);
            _dmDevices[number] = (dmUuid, sectors);
        }
    }

    public DeviceMapperDevice? ReadDeviceMapperDevice(string path)
    {
        lock (_gate)
        {
            return _devices.TryGetValue(path, out var number) && _dmNames.TryGetValue(number, out var name) && _dmDevices.TryGetValue(number, out var dm)
                ? new DeviceMapperDevice(name, dm.Uuid, number, dm.Sectors)
                : null;
        }
    }

    public string? DeviceMapperName(DeviceNumber device)
    {
        lock (_gate)
        {
            return _dmNames.GetValueOrDefault(device);
        }
    }

    public FileStatus Lstat(string path)
    {
        lock (_gate)
        {
            if (_devices.TryGetValue(path, out var number))
            {
                return new FileStatus(FileKind.BlockDevice, number.Major, number.Minor);
            }

            return _files.TryGetValue(path, out var kind) ? new FileStatus(kind, 0, 0) : new FileStatus(FileKind.Missing, 0, 0);
        }
    }

    public FileStatus Stat(string path)
    {
        lock (_gate)
        {
            return _boundNodes.TryGetValue(path, out var node) ? new FileStatus(FileKind.BlockDevice, node.Major, node.Minor) : Lstat(path);
        }
    }

    public void CreateDirectory(string path)
    {
        lock (_gate)
        {
            for (var dir = path; dir.Length > 1; dir = Path.GetDirectoryName(dir)!)
            {
                if (_files.TryGetValue(dir, out var kind) && kind != FileKind.Directory)
                {
                    throw new IOException($"{dir} exists and is not a directory");
                }

                _files[dir] = FileKind.Directory;
            }
        }
    }

    public void CreateFile(string path)
    {
        lock (_gate)
        {
            _files.TryAdd(path, FileKind.Regular);
        }
    }

    public bool RemoveIfEmpty(string path)
    {
        lock (_gate)
        {
            if (_files.TryGetValue(path, out var kind) && kind is FileKind.Directory or FileKind.Regular
                && !_files.Keys.Any(p => p.StartsWith(path + "/", StringComparison.Ordinal)))
            {
                _files.Remove(path);
                _changes.Add($"rm {path}");
                return true;
            }

            return false;
        }
    }

    private void Change(string kind, string what)
    {
        if (FailNext.Remove(kind, out var failure))
        {
            throw failure;
        }

        _changes.Add(what);
    }

    private DeviceNumber RequireDevice(string device) =>
        _devices.TryGetValue(device, out var number) ? number : throw new FileNotFoundException($"Device {device} does not exist.", device);

    private void RequireDirectory(string path)
    {
        if (!_files.TryGetValue(path, out var kind) || kind != FileKind.Directory)
        {
            throw new FilesystemCommandException($"mount: {path}: mount point does not exist", ["mount"], 32, "no mount point");
        }
    }
}
