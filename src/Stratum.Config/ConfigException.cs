namespace Stratum.Config;

/// <summary>
/// A configuration could not be loaded. The message lists every problem, one per line, each naming
/// the file, line and column; <see cref="Problems"/> holds them in file order.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigProblem> problems)
        : base(Describe(problems))
    {
        Problems = [.. problems];
    }

    public ConfigException(ConfigProblem problem)
        : this([problem])
    {
    }

    public IReadOnlyList<ConfigProblem> Problems { get; }

    private static string Describe(IReadOnlyList<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
        {
            throw new ArgumentException("a configuration exception needs at least one problem", nameof(problems));
        }

        return string.Join('\n', problems);
    }
}
