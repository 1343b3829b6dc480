using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Cli.Tests")]
