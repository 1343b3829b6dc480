using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Csi.Tests")]
