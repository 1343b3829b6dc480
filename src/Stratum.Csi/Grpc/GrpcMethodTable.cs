using System.Collections.Frozen;

namespace Stratum.Csi.Grpc;

/// <summary>The immutable routing table of a server: method path to method.</summary>
public sealed class GrpcMethodTable
{
    private readonly FrozenDictionary<string, GrpcMethod> _methods;

    public GrpcMethodTable(IEnumerable<GrpcMethod> methods)
    {
        var map = new Dictionary<string, GrpcMethod>(StringComparer.Ordinal);
        foreach (var method in methods)
        {
            if (!map.TryAdd(method.Path, method))
            {
                throw new ArgumentException($"Method {method.Path} is registered twice.", nameof(methods));
            }
        }

        _methods = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public int Count => _methods.Count;

    public IEnumerable<string> Paths => _methods.Keys;

    public bool TryGet(string path, out GrpcMethod method) => _methods.TryGetValue(path, out method!);
}
