using Stratum.Platform.Exec;

namespace Stratum.Volumes.Tests.Filesystems.TestSupport;

/// <summary>
/// An <see cref="ICommandRunner"/> that records every call and answers from a queue, in order.
/// Running out of answers fails the test, so every command a test does not expect is caught.
/// </summary>
internal sealed class FakeCommandRunner : ICommandRunner
{
    private readonly Queue<Func<CommandSpec, CancellationToken, CommandResult>> _answers = new();
    private readonly List<(CommandSpec Spec, CancellationToken Token)> _calls = [];

    public IReadOnlyList<CommandSpec> Calls => [.. _calls.Select(c => c.Spec)];

    public IReadOnlyList<CancellationToken> Tokens => [.. _calls.Select(c => c.Token)];

    /// <summary>Argv of every call, executable first.</summary>
    public IReadOnlyList<string[]> Argvs => [.. _calls.Select(c => (string[])[c.Spec.Executable, .. c.Spec.Arguments])];

    public FakeCommandRunner Returns(int exitCode, string stdout = "", string stderr = "") =>
        Answers((_, _) => new CommandResult(exitCode, stdout, stderr, TimeSpan.FromMilliseconds(3)));

    public FakeCommandRunner Succeeds(string stdout = "") => Returns(0, stdout);

    public FakeCommandRunner Throws(Exception exception) => Answers((_, _) => throw exception);

    public FakeCommandRunner Answers(Func<CommandSpec, CancellationToken, CommandResult> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _calls.Add((spec, cancellationToken));
        if (_answers.Count == 0)
        {
            throw new InvalidOperationException($"Unexpected command: {spec}");
        }

        return Task.FromResult(_answers.Dequeue()(spec, cancellationToken));
    }
}
