using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Stratum.RealLvm.Tests.Runner;

/// <summary>
/// Runs this assembly's xunit tests in this very process, with xunit's own discovery and
/// execution engine (the same fixtures, collections and ordering as under `dotnet test`).
///
/// Why: under the testbed's emulated CPU, `dotnet test` needs about 110 s before the first
/// test runs (MSBuild, vstest.console and testhost are three large .NET programs to JIT), and
/// `dotnet vstest` about 45 s; this runner starts in a few seconds. It prints each result as it
/// happens and ends with a "N passed, N failed, N skipped" line.
///
/// usage: dotnet Stratum.RealLvm.Tests.dll [--filter TEXT]... [--exclude TEXT]... [--list]
///   --filter TEXT   run only tests whose Namespace.Class.Method contains TEXT (repeatable)
///   --exclude TEXT  leave out tests whose Namespace.Class.Method contains TEXT (repeatable;
///                   with the same TEXT as a --filter of another run, the two runs split the
///                   suite between them: scripts/test runs two VMs that way)
///   --list          list the tests and exit
/// exit status: 0 when tests ran and none failed, 1 otherwise, 2 for a bad command line.
/// A test still running after 5, 10, ... minutes is named again. Before the closing line it
/// prints the wall time of each test class (its fixtures' set-up and
/// clean-up included), slowest first: where the suite's time goes.
/// </summary>
public static class InProcessRunner
{
    public static int Run(Assembly assembly, string[] args)
    {
        var filters = new List<string>();
        var excludes = new List<string>();
        var list = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--filter" when i + 1 < args.Length:
                    filters.Add(args[++i]);
                    break;
                case "--exclude" when i + 1 < args.Length:
                    excludes.Add(args[++i]);
                    break;
                case "--list":
                    list = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--filter TEXT]... [--exclude TEXT]... [--list]");
                    return 2;
            }
        }

        var started = Process.GetCurrentProcess().StartTime;
        var name = assembly.GetName().Name;
        Console.WriteLine($"{name}: runner up {(DateTime.Now - started).TotalSeconds:0.0} s after the process started");

        using var reporter = new Reporter();
        using var framework = new XunitTestFramework(reporter);
        var options = new Options();

        var discovery = new DiscoverySink();
        using (var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
        {
            discoverer.Find(includeSourceInformation: false, discovery, options);
            discovery.Finished.WaitOne();
        }
        var testCases = discovery.TestCases
            .Where(t => filters.Count == 0 || filters.Any(f => FullName(t).Contains(f, StringComparison.Ordinal)))
            .Where(t => !excludes.Any(e => FullName(t).Contains(e, StringComparison.Ordinal)))
            .ToList();
        if (list)
        {
            foreach (var testCase in testCases)
            {
                Console.WriteLine(testCase.DisplayName);
            }
            return 0;
        }
        Console.WriteLine(
            $"{name}: {testCases.Count} of {discovery.TestCases.Count} tests selected, "
            + $"{(DateTime.Now - started).TotalSeconds:0.0} s after the process started");
        if (testCases.Count == 0)
        {
            Console.WriteLine($"{name}: no tests to run; that counts as a failure");
            return 1;
        }

        using (var executor = framework.GetExecutor(assembly.GetName()))
        {
            executor.RunTests(testCases, reporter, options);
            reporter.Finished.WaitOne();
        }

        reporter.PrintClassTimes();
        Console.WriteLine(
            $"{name}: {reporter.Passed} passed, {reporter.Failed + reporter.Errors} failed, {reporter.Skipped} skipped");
        if (reporter.Errors > 0)
        {
            Console.WriteLine($"({reporter.Errors} of the failures are fixture or cleanup errors outside any one test)");
        }
        Console.WriteLine($"{name}: {(DateTime.Now - started).TotalSeconds:0.0} s since the process started");
        return reporter.Failed + reporter.Errors == 0 && reporter.Passed + reporter.Skipped > 0 ? 0 : 1;
    }

    private static string FullName(ITestCase t) =>
        $"{t.TestMethod.TestClass.Class.Name}.{t.TestMethod.Method.Name}";

    /// <summary>xunit's discovery and execution options; unset ones take xunit's defaults,
    /// so the assembly's own attributes (e.g. CollectionBehavior) decide parallelism.</summary>
    private sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) =>
            _values.TryGetValue(name, out var value) && value is TValue typed ? typed : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }

    private sealed class DiscoverySink : LongLivedMarshalByRefObject, IMessageSink
    {
        public List<ITestCase> TestCases { get; } = [];

        public ManualResetEvent Finished { get; } = new(false);

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestCaseDiscoveryMessage found:
                    TestCases.Add(found.TestCase);
                    break;
                case IDiscoveryCompleteMessage:
                    Finished.Set();
                    break;
                case IDiagnosticMessage diagnostic:
                    Console.Error.WriteLine($"[xunit] {diagnostic.Message}");
                    break;
            }
            return true;
        }
    }

    /// <summary>Prints results as they arrive (from several threads when tests run in parallel).</summary>
    private sealed class Reporter : LongLivedMarshalByRefObject, IMessageSink, IDisposable
    {
        /// <summary>How often a test that is still running is named (the testbed stops a VM that prints nothing for 15 min).</summary>
        private static readonly TimeSpan StillRunningEvery = TimeSpan.FromMinutes(5);

        private readonly object _console = new();
        private readonly Dictionary<string, Stopwatch> _running = [];
        private readonly Timer _stillRunning;
        private readonly Dictionary<string, Stopwatch> _classClocks = [];
        private readonly List<(string Class, TimeSpan Wall, int Tests, decimal TestSeconds)> _classTimes = [];

        public int Passed { get; private set; }

        public int Failed { get; private set; }

        public int Skipped { get; private set; }

        public int Errors { get; private set; }

        public Reporter() => _stillRunning = new Timer(_ => PrintStillRunning(), null, StillRunningEvery, StillRunningEvery);

        public ManualResetEvent Finished { get; } = new(false);

        public void Dispose() => _stillRunning.Dispose();

        public bool OnMessage(IMessageSinkMessage message)
        {
            lock (_console)
            {
                if (message is ITestFinished done)
                {
                    _running.Remove(done.Test.DisplayName);
                }

                switch (message)
                {
                    case ITestStarting starting:
                        _running[starting.Test.DisplayName] = Stopwatch.StartNew();
                        Console.WriteLine($"[ RUN  ] {starting.Test.DisplayName}");
                        break;
                    case ITestOutput output:
                        Console.Write(Indent(output.Output));
                        break;
                    case ITestPassed passed:
                        Passed++;
                        Console.WriteLine($"[ PASS ] {passed.Test.DisplayName} ({passed.ExecutionTime:0.0} s)");
                        break;
                    case ITestSkipped skipped:
                        Skipped++;
                        Console.WriteLine($"[ SKIP ] {skipped.Test.DisplayName}: {skipped.Reason}");
                        break;
                    case ITestFailed failed:
                        Failed++;
                        Console.WriteLine($"[ FAIL ] {failed.Test.DisplayName} ({failed.ExecutionTime:0.0} s)");
                        Console.Write(Indent(Describe(failed)));
                        break;
                    case IErrorMessage or ITestAssemblyCleanupFailure or ITestCollectionCleanupFailure
                        or ITestClassCleanupFailure or ITestMethodCleanupFailure or ITestCaseCleanupFailure
                        or ITestCleanupFailure:
                        Errors++;
                        Console.WriteLine($"[ERROR ] {message.GetType().Name.Replace("Failure", " failure")}");
                        Console.Write(Indent(Describe((IFailureInformation)message)));
                        break;
                    case IDiagnosticMessage diagnostic:
                        Console.Error.WriteLine($"[xunit] {diagnostic.Message}");
                        break;
                    case ITestClassStarting starting:
                        _classClocks[starting.TestClass.Class.Name] = Stopwatch.StartNew();
                        break;
                    case ITestClassFinished finished when _classClocks.Remove(finished.TestClass.Class.Name, out var clock):
                        _classTimes.Add((finished.TestClass.Class.Name, clock.Elapsed, finished.TestsRun, finished.ExecutionTime));
                        break;
                    case ITestAssemblyFinished:
                        Finished.Set();
                        break;
                }
            }
            return true;
        }

        /// <summary>A slow test says it is still running: progress for the reader and for the testbed's idle limit.</summary>
        private void PrintStillRunning()
        {
            lock (_console)
            {
                foreach (var (name, clock) in _running)
                {
                    Console.WriteLine($"[ .... ] {name} still running after {clock.Elapsed.TotalMinutes:0} min");
                }
            }
        }

        /// <summary>Each test class's wall time (fixtures included) and its tests' own time, slowest first.</summary>
        public void PrintClassTimes()
        {
            if (_classTimes.Count == 0)
            {
                return;
            }

            Console.WriteLine("time per test class (wall, fixtures included; then the tests' own time):");
            foreach (var (name, wall, tests, testSeconds) in _classTimes.OrderByDescending(c => c.Wall))
            {
                Console.WriteLine($"  {wall.TotalSeconds,7:0.0} s  {testSeconds,7:0.0} s  {tests,4} tests  {name}");
            }

            Console.WriteLine($"  {TimeSpan.FromTicks(_classTimes.Sum(c => c.Wall.Ticks)).TotalSeconds,7:0.0} s in all");
        }

        private static string Describe(IFailureInformation failure) =>
            $"{ExceptionUtility.CombineMessages(failure)}\n{ExceptionUtility.CombineStackTraces(failure)}\n";

        private static string Indent(string text) =>
            string.Concat(text.TrimEnd('\n').Split('\n').Select(line => $"         {line}\n"));
    }
}
