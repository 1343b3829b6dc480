using Stratum.Csi.Grpc;

namespace Stratum.Csi.Services;

/// <summary>A CSI service: the methods it answers. Methods it does not list answer UNIMPLEMENTED.</summary>
public interface ICsiService
{
    IEnumerable<GrpcMethod> Methods();
}
