using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Stratum.Testing.Logging;

/// <summary>An <see cref="ILogger{T}"/> that keeps every entry for assertions.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
        _entries.Enqueue(new LogEntry(logLevel, eventId, formatter(state, exception), values.ToDictionary(kv => kv.Key, kv => kv.Value), exception));
    }
}

public sealed record LogEntry(LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception);
