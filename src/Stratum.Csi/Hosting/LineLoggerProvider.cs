using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Stratum.Csi.Hosting;

/// <summary>
/// Writes each log event as one line (plus indented exception lines in text format), synchronously
/// and in order, so nothing is lost when the process exits right after logging.
/// </summary>
internal sealed class LineLoggerProvider(TextWriter destination, LogFormat format) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose()
    {
        lock (_gate)
        {
            destination.Flush();
        }
    }

    private void Write(string category, LogLevel level, EventId eventId, string message, Exception? exception, IReadOnlyList<KeyValuePair<string, object?>>? state)
    {
        var line = format == LogFormat.Json
            ? FormatJson(category, level, eventId, message, exception, state)
            : FormatText(category, level, eventId, message, exception);
        lock (_gate)
        {
            destination.Write(line);
            destination.Flush();
        }
    }

    private static string FormatText(string category, LogLevel level, EventId eventId, string message, Exception? exception)
    {
        var builder = new StringBuilder(message.Length + 64);
        builder.Append(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))
            .Append(' ').Append(ShortLevel(level))
            .Append(' ').Append(category).Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append("] ")
            .Append(message.ReplaceLineEndings("\n    "))
            .Append('\n');
        if (exception is not null)
        {
            foreach (var exceptionLine in exception.ToString().Split('\n'))
            {
                builder.Append("    ").Append(exceptionLine.TrimEnd('\r')).Append('\n');
            }
        }

        return builder.ToString();
    }

    private static string FormatJson(string category, LogLevel level, EventId eventId, string message, Exception? exception, IReadOnlyList<KeyValuePair<string, object?>>? state)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("level", level.ToString());
            json.WriteString("category", category);
            json.WriteNumber("eventId", eventId.Id);
            json.WriteString("message", message);
            if (state is not null)
            {
                foreach (var (key, value) in state)
                {
                    if (key == "{OriginalFormat}" || key is "time" or "level" or "category" or "eventId" or "message" or "exception")
                    {
                        continue;
                    }

                    switch (value)
                    {
                        case null:
                            json.WriteNull(key);
                            break;
                        case int or long or double or float or decimal or short or uint or ulong:
                            json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                            break;
                        case bool b:
                            json.WriteBoolean(key, b);
                            break;
                        default:
                            json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                            break;
                    }
                }
            }

            if (exception is not null)
            {
                json.WriteString("exception", exception.ToString());
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static string ShortLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class LineLogger(LineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            provider.Write(category, logLevel, eventId, formatter(state, exception), exception, state as IReadOnlyList<KeyValuePair<string, object?>>);
        }
    }
}
