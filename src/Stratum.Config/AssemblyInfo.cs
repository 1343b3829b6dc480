using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Config.Tests")]
