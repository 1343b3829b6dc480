using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Stratum.Kube.Tests")]
