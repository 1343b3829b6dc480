using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Lvm.Tests")]
