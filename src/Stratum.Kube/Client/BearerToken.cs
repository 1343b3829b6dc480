namespace Stratum.Kube.Client;

/// <summary>
/// The bearer token of a connection: a fixed one, or one read from a file and re-read once a
/// minute (the kubelet rotates projected service-account tokens in place) and right after the
/// server answered 401. A failed re-read keeps the token read last.
/// </summary>
internal sealed class BearerToken
{
    private static readonly TimeSpan RereadAfter = TimeSpan.FromMinutes(1);
    private readonly string? _fixed;
    private readonly string? _file;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private string? _current;
    private DateTimeOffset _readAt;

    private BearerToken(string? token, string? file, TimeProvider time)
    {
        _fixed = token;
        _file = file;
        _time = time;
    }

    /// <summary>The token source of a configuration, or null when it has no token.</summary>
    public static BearerToken? For(KubeClientConfig config, TimeProvider time) =>
        !string.IsNullOrEmpty(config.Token) ? new BearerToken(config.Token, null, time)
        : !string.IsNullOrEmpty(config.TokenFile) ? new BearerToken(null, config.TokenFile, time)
        : null;

    /// <summary>The token to send now.</summary>
    public string Current()
    {
        if (_fixed is not null)
        {
            return _fixed;
        }

        lock (_gate)
        {
            if (_current is null || _time.GetUtcNow() - _readAt >= RereadAfter)
            {
                try
                {
                    var text = File.ReadAllText(_file!).Trim();
                    if (text.Length > 0)
                    {
                        _current = text;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    if (_current is null)
                    {
                        throw new KubeConfigException($"the token file {_file} cannot be read: {e.Message}", e);
                    }
                }

                _readAt = _time.GetUtcNow();
            }

            return _current ?? throw new KubeConfigException($"the token file {_file} is empty");
        }
    }

    /// <summary>The server refused the token: read the file again before the next request.</summary>
    public void Expire()
    {
        lock (_gate)
        {
            _readAt = DateTimeOffset.MinValue;
        }
    }
}
