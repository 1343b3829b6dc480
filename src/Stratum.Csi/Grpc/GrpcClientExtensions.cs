using Google.Protobuf;

namespace Stratum.Csi.Grpc;

public static class GrpcClientExtensions
{
    /// <summary>Calls the CSI method that takes <paramref name="request"/>'s type.</summary>
    public static Task<TResponse> CallAsync<TResponse>(this GrpcClient client, IMessage request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.CallAsync<TResponse>(CsiMethods.For(request), request, timeout, cancellationToken);
    }
}
