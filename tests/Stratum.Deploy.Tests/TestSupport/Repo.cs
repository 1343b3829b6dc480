namespace Stratum.Deploy.Tests.TestSupport;

/// <summary>Paths of the checkout the tests were built from.</summary>
internal static class Repo
{
    /// <summary>The nearest directory above the test binaries that holds Stratum.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Stratum.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Stratum.sln above {AppContext.BaseDirectory}");
    }
}
