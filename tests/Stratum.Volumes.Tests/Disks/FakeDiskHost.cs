using Stratum.Config;
using Stratum.Volumes.Disks;
using Stratum.Volumes.Filesystems;
using Stratum.Platform;

namespace Stratum.Volumes.Tests.Disks;

/// <summary>Canned sysfs, /dev and mount facts; the matching probe answers from the same table.</summary>
internal sealed class FakeDiskHost : IDiskHost, IFilesystemOps
{
    private readonly Dictionary<string, BlockDevice> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceNumber> _paths = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceContents> _contents = new(StringComparer.Ordinal);
    private uint _nextMinor;

    public List<MountEntry> MountList { get; } = [];

    public List<string> Probed { get; } = [];

    /// <summary>Adds a device at <c>/dev/NAME</c> (and any extra link paths); blank unless <paramref name="contents"/> says otherwise.</summary>
    public BlockDevice Add(string name, long sizeBytes, Func<BlockDevice, BlockDevice>? shape = null, DeviceContents? contents = null, params string[] links)
    {
        var device = new BlockDevice { Name = name, Number = new DeviceNumber(254, _nextMinor++ * 16), SizeBytes = sizeBytes };
        device = shape?.Invoke(device) ?? device;
        _byName[name] = device;
        foreach (var path in links.Prepend("/dev/" + name))
        {
            _paths[path] = device.Number;
            _contents[path] = contents ?? DeviceContents.Blank;
        }

        return device;
    }

    public void Replace(BlockDevice device) => _byName[device.Name] = device;

    public void Remove(string name)
    {
        var device = _byName[name];
        _byName.Remove(name);
        foreach (var path in _paths.Where(p => p.Value == device.Number).Select(p => p.Key).ToList())
        {
            _paths.Remove(path);
        }
    }

    public void SetContents(string path, DeviceContents contents) => _contents[path] = contents;

    public void Mount(BlockDevice device, string mountPoint) =>
        MountList.Add(new MountEntry(MountList.Count + 1, 1, device.Number.Major, device.Number.Minor, "/", mountPoint, "rw", "ext4", device.KernelPath, "rw"));

    public IReadOnlyList<string> ListDirectory(string directory) =>
        [.. _paths.Keys.Where(p => Path.GetDirectoryName(p) == directory).Select(p => Path.GetFileName(p))];

    public DeviceNumber? BlockDeviceNumber(string path) => _paths.TryGetValue(path, out var number) ? number : null;

    public BlockDevice? Describe(DeviceNumber number) => _byName.Values.FirstOrDefault(d => d.Number == number);

    public BlockDevice? Describe(string kernelName) => _byName.GetValueOrDefault(kernelName);

    public IReadOnlyList<MountEntry> Mounts() => MountList;

    public Task<DeviceContents> ProbeAsync(string device, CancellationToken cancellationToken)
    {
        Probed.Add(device);
        return Task.FromResult(_contents[device]);
    }

    public Task FormatAsync(string device, FileSystemType type, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task MountAsync(string device, string target, FileSystemType type, IReadOnlyList<string> options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task BindMountAsync(string source, string target, bool readOnly, IReadOnlyList<string> options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task UnmountAsync(string target, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task GrowAsync(string device, string mountPoint, FileSystemType type, CancellationToken cancellationToken) => throw new NotSupportedException();

    public IReadOnlyList<MountEntry> ReadMounts() => MountList;

    public FilesystemStats GetStats(string path) => throw new NotSupportedException();

    public Task<DiscardOutcome> DiscardAsync(string device, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task CopyDeviceAsync(string source, string target, long bytes, CancellationToken cancellationToken) => throw new NotSupportedException();


    public Task CreateReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task ResizeReadOnlyMappingAsync(string name, DeviceNumber backing, long sectors, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task RemoveMappingAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

    public IReadOnlyList<DeviceMapping> FindMappings(string prefix) => throw new NotSupportedException();

    public string? DeviceMapperName(DeviceNumber device) => throw new NotSupportedException();

    public DeviceMapperDevice? ReadDeviceMapperDevice(string path) => throw new NotSupportedException();

    public Task<IReadOnlyList<string>> MappingTargetsAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<BlockReadResult> ReadFirstBlockAsync(string device, TimeSpan timeout) => throw new NotSupportedException();

    public FileStatus Lstat(string path) => throw new NotSupportedException();

    public FileStatus Stat(string path) => throw new NotSupportedException();

    public void CreateDirectory(string path) => throw new NotSupportedException();

    public void CreateFile(string path) => throw new NotSupportedException();

    public bool RemoveIfEmpty(string path) => throw new NotSupportedException();
}
