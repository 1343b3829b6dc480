namespace Stratum.Config.Tests.TestSupport;

/// <summary>Finds files of the repository the tests were built from.</summary>
internal static class RepoPaths
{
    /// <summary>The nearest directory above the test binaries that holds Stratum.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Get(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stratum.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Stratum.sln above {AppContext.BaseDirectory}");
    }
}
