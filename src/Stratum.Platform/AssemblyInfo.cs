using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Platform.Tests")]
