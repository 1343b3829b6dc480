using Xunit.Abstractions;
using Xunit.Sdk;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>The position of a test in a scenario whose tests build on each other (see <see cref="StepOrderer"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}

/// <summary>
/// Runs a class's tests in <see cref="StepAttribute"/> order, for scenarios that share one
/// expensive bed (real disks) and move it forward: start, reload, hot-plug, restart, reinstall.
/// Use with <c>[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]</c>.
/// </summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string TypeName = "Stratum.RealLvm.Tests.Harness.StepOrderer";
    public const string AssemblyName = "Stratum.RealLvm.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(c => c.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName)
            .Select(a => (int)a.GetConstructorArguments().First())
            .DefaultIfEmpty(int.MaxValue)
            .First());
}
