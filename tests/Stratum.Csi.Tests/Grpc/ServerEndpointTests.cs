using System.Net;
using Stratum.Csi.Grpc;

namespace Stratum.Csi.Tests.Grpc;

public sealed class ServerEndpointTests
{
    [Theory]
    [InlineData("unix:///csi/csi.sock", "/csi/csi.sock")]
    [InlineData("unix:/csi/csi.sock", "/csi/csi.sock")]
    [InlineData("/var/lib/kubelet/plugins/lvm.stratum.dev/csi.sock", "/var/lib/kubelet/plugins/lvm.stratum.dev/csi.sock")]
    [InlineData("unix:///run/a/../b/csi.sock", "/run/b/csi.sock")]
    public void Parse_UnixEndpoint_GivesNormalisedPath(string value, string path)
    {
        var endpoint = ServerEndpoint.Parse(value);
        Assert.True(endpoint.IsUnix);
        Assert.Equal(path, endpoint.SocketPath);
        Assert.Null(endpoint.Tcp);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:10000", "127.0.0.1", 10000)]
    [InlineData("tcp://0.0.0.0:9000", "0.0.0.0", 9000)]
    [InlineData("tcp://localhost:50051", "127.0.0.1", 50051)]
    [InlineData("tcp://[::1]:443", "::1", 443)]
    public void Parse_TcpEndpoint_GivesAddressAndPort(string value, string address, int port)
    {
        var endpoint = ServerEndpoint.Parse(value);
        Assert.False(endpoint.IsUnix);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint.Tcp);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("csi.sock")]
    [InlineData("unix://relative/csi.sock")]
    [InlineData("unix:///csi/")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://127.0.0.1:70000")]
    [InlineData("tcp://example.com:80")]
    [InlineData("http://127.0.0.1:80")]
    public void TryParse_Invalid_FailsWithReason(string value)
    {
        Assert.False(ServerEndpoint.TryParse(value, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
