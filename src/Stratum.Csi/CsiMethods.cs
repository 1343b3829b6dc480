using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Stratum.Csi.V1;

namespace Stratum.Csi;

/// <summary>
/// The CSI services and methods as protobuf descriptors. Every CSI request type belongs to
/// exactly one method, so a request alone names the method to call.
/// </summary>
public static class CsiMethods
{
    public static ServiceDescriptor Identity { get; } = Service("Identity");

    public static ServiceDescriptor Controller { get; } = Service("Controller");

    public static ServiceDescriptor Node { get; } = Service("Node");

    public static IReadOnlyList<ServiceDescriptor> Services { get; } = [Identity, Controller, Node];

    private static readonly FrozenDictionary<MessageDescriptor, MethodDescriptor> ByRequest =
        Services.SelectMany(s => s.Methods).ToFrozenDictionary(m => m.InputType);

    /// <summary>The method that takes <paramref name="request"/>'s type.</summary>
    public static MethodDescriptor For(IMessage request) =>
        ByRequest.TryGetValue(request.Descriptor, out var method)
            ? method
            : throw new ArgumentException($"{request.Descriptor.Name} is not a CSI request.", nameof(request));

    /// <summary>The method named <paramref name="name"/> (e.g. <c>NodeStageVolume</c>), case-insensitive.</summary>
    public static MethodDescriptor? Find(string name) =>
        Services.SelectMany(s => s.Methods).FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    private static ServiceDescriptor Service(string name) =>
        CsiReflection.Descriptor.Services.Single(s => s.Name == name);
}
