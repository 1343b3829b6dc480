namespace Stratum.Config.Tests.TestSupport;

/// <summary>A file in a fresh temporary directory, deleted with the directory on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string fileName = "config.yaml")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("stratum-config-tests-").FullName;
        Path = System.IO.Path.Combine(Directory, fileName);
    }

    public string Directory { get; }

    public string Path { get; }

    public TempFile Write(string text)
    {
        File.WriteAllText(Path, text);
        return this;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
