using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Volumes.Tests")]
