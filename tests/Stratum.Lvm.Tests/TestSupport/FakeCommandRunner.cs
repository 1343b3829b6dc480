using Stratum.Platform.Exec;

namespace Stratum.Lvm.Tests.TestSupport;

/// <summary>
/// An <see cref="ICommandRunner"/> that records every spec and answers from a queue of canned
/// results, in order. Running out of answers fails the test.
/// </summary>
internal sealed class FakeCommandRunner : ICommandRunner
{
    private readonly Queue<Func<CommandSpec, CommandResult>> _answers = new();
    private readonly List<CommandSpec> _calls = [];

    public IReadOnlyList<CommandSpec> Calls => _calls;

    /// <summary>Argv of every call, executable first.</summary>
    public IReadOnlyList<string[]> Argvs => [.. _calls.Select(c => (string[])[c.Executable, .. c.Arguments])];

    public FakeCommandRunner Returns(int exitCode, string stdout = "", string stderr = "")
    {
        _answers.Enqueue(_ => new CommandResult(exitCode, stdout, stderr, TimeSpan.FromMilliseconds(7)));
        return this;
    }

    public FakeCommandRunner Succeeds(string stdout = "") => Returns(0, stdout);

    public FakeCommandRunner Throws(Exception exception)
    {
        _answers.Enqueue(_ => throw exception);
        return this;
    }

    public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _calls.Add(spec);
        if (_answers.Count == 0)
        {
            throw new InvalidOperationException($"Unexpected command: {spec}");
        }

        return Task.FromResult(_answers.Dequeue()(spec));
    }
}
