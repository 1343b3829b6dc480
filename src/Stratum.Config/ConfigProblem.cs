namespace Stratum.Config;

/// <summary>
/// One thing wrong with a configuration file. <see cref="Line"/> and <see cref="Column"/> are 1-based;
/// both are 0 for problems with the file as a whole (missing, unreadable).
/// </summary>
public sealed record ConfigProblem(string Source, int Line, int Column, string Message)
{
    /// <summary>Compiler style: <c>config.yaml:7:5: message</c>, or <c>config.yaml: message</c> without a position.</summary>
    public override string ToString() =>
        Line > 0 ? $"{Source}:{Line}:{Column}: {Message}" : $"{Source}: {Message}";
}
