using System.Globalization;
using System.Net;

namespace Stratum.Csi.Grpc;

/// <summary>Where a server listens or a client connects: a Unix socket path or a TCP address.</summary>
public sealed record ServerEndpoint
{
    private ServerEndpoint(string? socketPath, IPEndPoint? tcp, string original)
    {
        SocketPath = socketPath;
        Tcp = tcp;
        Original = original;
    }

    /// <summary>Absolute path of the Unix socket, or null for TCP.</summary>
    public string? SocketPath { get; }

    /// <summary>The TCP address, or null for a Unix socket.</summary>
    public IPEndPoint? Tcp { get; }

    public string Original { get; }

    public bool IsUnix => SocketPath is not null;

    /// <summary>
    /// Parses <c>unix:///abs/path</c>, <c>unix:/abs/path</c>, a bare absolute path, or
    /// <c>tcp://IP:PORT</c> (also <c>tcp://localhost:PORT</c>).
    /// </summary>
    public static ServerEndpoint Parse(string value)
    {
        if (!TryParse(value, out var endpoint, out var error))
        {
            throw new FormatException(error);
        }

        return endpoint;
    }

    public static bool TryParse(string? value, out ServerEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "the endpoint is empty";
            return false;
        }

        if (value.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = value["tcp://".Length..].TrimEnd('/');
            var colon = rest.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                error = $"'{value}' is not tcp://HOST:PORT with a port between 1 and 65535";
                return false;
            }

            var host = rest[..colon].Trim('[', ']');
            IPAddress? address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : null;
            if (address is null && !IPAddress.TryParse(host, out address))
            {
                error = $"'{host}' in '{value}' is not an IP address (use an address, or localhost)";
                return false;
            }

            endpoint = new ServerEndpoint(null, new IPEndPoint(address, port), value);
            return true;
        }

        string path;
        if (value.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            path = value["unix://".Length..];
        }
        else if (value.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            path = value["unix:".Length..];
        }
        else if (value.StartsWith('/'))
        {
            path = value;
        }
        else
        {
            error = $"'{value}' is neither unix:///ABSOLUTE/PATH nor tcp://IP:PORT";
            return false;
        }

        if (!path.StartsWith('/') || path.EndsWith('/'))
        {
            error = $"the socket path in '{value}' must be an absolute file path";
            return false;
        }

        endpoint = new ServerEndpoint(Path.GetFullPath(path), null, value);
        return true;
    }

    public override string ToString() => IsUnix ? $"unix://{SocketPath}" : $"tcp://{Tcp}";
}
