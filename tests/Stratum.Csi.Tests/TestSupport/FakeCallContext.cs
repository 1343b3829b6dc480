using Grpc.Core;

namespace Stratum.Csi.Tests.TestSupport;

/// <summary>The call context a service method gets, for calling services directly (no server).</summary>
public sealed class FakeCallContext(CancellationToken cancellationToken = default) : ServerCallContext
{
    protected override string MethodCore => "/test";

    protected override string HostCore => "localhost";

    protected override string PeerCore => "unix:test";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => cancellationToken;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
