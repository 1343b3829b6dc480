using Stratum.Lvm;
using Stratum.Platform.Exec;
using Xunit.Abstractions;

namespace Stratum.RealLvm.Tests.Harness;

/// <summary>The product's LVM layer as a node runs it: <see cref="LvmCli"/> over the real <see cref="CommandRunner"/>.</summary>
public static class LvmUnderTest
{
    /// <summary>Generous for one LVM command under emulation (they take 0.3-3 s), short enough to fail a hung test.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The real runner, logging into the test's output.</summary>
    public static CommandRunner Runner(ITestOutputHelper output) =>
        new(new CommandRunnerOptions { DefaultTimeout = CommandTimeout }, new TestOutputLogger<CommandRunner>(output));

    /// <summary>LvmCli over <paramref name="runner"/> (the real runner when not given).</summary>
    public static LvmCli Cli(ITestOutputHelper output, ICommandRunner? runner = null, TimeSpan? commandTimeout = null) =>
        new(runner ?? Runner(output), new LvmOptions { CommandTimeout = commandTimeout ?? CommandTimeout }, new TestOutputLogger<LvmCli>(output));
}
