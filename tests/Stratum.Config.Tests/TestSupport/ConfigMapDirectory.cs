using System.Runtime.InteropServices;

namespace Stratum.Config.Tests.TestSupport;

/// <summary>
/// A directory laid out the way kubelet mounts a ConfigMap volume: each version in a timestamped
/// directory (<c>..2026_12_02_10_00_00.000000001/</c>), a <c>..data</c> symlink to the current one,
/// and one symlink per key (<c>config.yaml -&gt; ..data/config.yaml</c>). <see cref="Update"/> swaps
/// versions as kubelet's atomic writer does: write the new directory, point <c>..data_tmp</c> at
/// it, rename that over <c>..data</c>, delete the old directory.
/// </summary>
internal sealed partial class ConfigMapDirectory : IDisposable
{
    private int _version;
    private string? _current;

    public ConfigMapDirectory(string key, string content)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("stratum-configmap-").FullName;
        Key = key;
        Update(content);
        File.CreateSymbolicLink(Path, $"..data/{key}");
    }

    public string Directory { get; }

    public string Key { get; }

    /// <summary>The path the plugin is given: the key's symlink.</summary>
    public string Path => System.IO.Path.Combine(Directory, Key);

    public void Update(string content)
    {
        var name = $"..2026_12_02_10_{_version / 60:00}_{_version % 60:00}.{++_version:000000000}";
        var versionDir = System.IO.Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(versionDir);
        File.WriteAllText(System.IO.Path.Combine(versionDir, Key), content);

        var temporary = System.IO.Path.Combine(Directory, "..data_tmp");
        File.CreateSymbolicLink(temporary, name);
        if (Rename(temporary, System.IO.Path.Combine(Directory, "..data")) != 0)
        {
            throw new IOException($"rename({temporary}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        if (_current is not null)
        {
            System.IO.Directory.Delete(System.IO.Path.Combine(Directory, _current), recursive: true);
        }

        _current = name;
    }

    /// <summary>rename(2): atomically replaces the old <c>..data</c> link (File.Move refuses a link to a directory).</summary>
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
