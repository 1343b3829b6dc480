using Stratum.RealLvm.Tests.Runner;

namespace Stratum.RealLvm.Tests;

/// <summary>`dotnet Stratum.RealLvm.Tests.dll` runs the tests in-process; see InProcessRunner.</summary>
public static class Program
{
    public static int Main(string[] args) => InProcessRunner.Run(typeof(Program).Assembly, args);
}
