using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Metrics.Tests")]
