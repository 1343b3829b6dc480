using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Stratum.Platform.Exec;
using Stratum.Platform;

namespace Stratum.Volumes.Tests.Filesystems.TestSupport;

/// <summary>A loop device attached to a sparse backing file.</summary>
internal sealed record LoopDevice(string Path, string BackingFile);

/// <summary>
/// A scratch directory under /tmp (short paths) with loop devices and mounts of one test, all
/// torn down on dispose even when the test failed: everything mounted below the directory is
/// unmounted (deepest first), every loop device detached, the directory deleted. Commands run
/// through the real <see cref="CommandRunner"/>, like the code under test.
/// </summary>
internal sealed class LoopWorkspace : IAsyncDisposable
{
    private readonly List<LoopDevice> _loops = [];
    private int _files;

    private LoopWorkspace(string root) => Root = root;

    public string Root { get; }

    public ICommandRunner Runner { get; } = new CommandRunner(new CommandRunnerOptions { DefaultTimeout = TimeSpan.FromMinutes(2) }, NullLogger<CommandRunner>.Instance);

    public static LoopWorkspace Create()
    {
        var root = Path.Combine("/tmp", "stf-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(root);
        return new LoopWorkspace(root);
    }

    /// <summary>A sparse file of <paramref name="sizeBytes"/> attached to a free loop device.</summary>
    public async Task<LoopDevice> AttachAsync(long sizeBytes)
    {
        var file = System.IO.Path.Combine(Root, $"img{++_files}");
        await using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(sizeBytes);
        }

        var result = await RunCheckedAsync("losetup", "--find", "--show", file);
        var loop = new LoopDevice(result.StandardOutput.Trim(), file);
        _loops.Add(loop);
        Assert.StartsWith("/dev/loop", loop.Path, StringComparison.Ordinal);
        return loop;
    }

    /// <summary>Enlarges the backing file and makes the loop device pick up the new capacity.</summary>
    public async Task EnlargeAsync(LoopDevice loop, long newSizeBytes)
    {
        await using (var stream = new FileStream(loop.BackingFile, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(newSizeBytes);
        }

        await RunCheckedAsync("losetup", "--set-capacity", loop.Path);
    }

    public string Directory(string name) => System.IO.Directory.CreateDirectory(System.IO.Path.Combine(Root, name)).FullName;

    public string EmptyFile(string name)
    {
        var path = System.IO.Path.Combine(Root, name);
        File.WriteAllBytes(path, []);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        var failures = new List<string>();
        var prefix = Root + "/";
        var mounts = MountInfo.ReadSelf()
            .Where(m => m.MountPoint.StartsWith(prefix, StringComparison.Ordinal))
            .Reverse()
            .ToList();
        foreach (var mount in mounts)
        {
            var plain = await Runner.RunAsync(new CommandSpec("umount", mount.MountPoint), CancellationToken.None);
            if (!plain.Succeeded)
            {
                // Test cleanup only: never leave a mount behind, even a busy one.
                var lazy = await Runner.RunAsync(new CommandSpec("umount", "--lazy", mount.MountPoint), CancellationToken.None);
                if (!lazy.Succeeded)
                {
                    failures.Add($"umount {mount.MountPoint}: {lazy.StandardError.Trim()}");
                }
            }
        }

        foreach (var loop in _loops)
        {
            var detach = await Runner.RunAsync(new CommandSpec("losetup", "--detach", loop.Path), CancellationToken.None);
            if (!detach.Succeeded)
            {
                failures.Add($"losetup --detach {loop.Path}: {detach.StandardError.Trim()}");
            }
        }

        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException ex)
        {
            failures.Add($"delete {Root}: {ex.Message}");
        }

        Assert.True(failures.Count == 0, "Cleanup failed: " + string.Join("; ", failures));
    }

    private async Task<CommandResult> RunCheckedAsync(string executable, params string[] arguments)
    {
        var result = await Runner.RunAsync(new CommandSpec(executable, arguments), CancellationToken.None);
        Assert.True(result.Succeeded, string.Create(CultureInfo.InvariantCulture, $"{executable} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StandardError}"));
        return result;
    }
}
