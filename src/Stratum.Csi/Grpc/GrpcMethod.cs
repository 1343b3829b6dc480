using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Logging;

namespace Stratum.Csi.Grpc;

/// <summary>One unary method the server answers: its path, how to parse its request, and its handler.</summary>
public sealed class GrpcMethod
{
    private readonly Func<IMessage, CallContext, Task<IMessage>> _invoke;

    private GrpcMethod(MethodDescriptor descriptor, MessageParser parser, Func<IMessage, CallContext, Task<IMessage>> invoke, LogLevel logLevel)
    {
        Descriptor = descriptor;
        Path = PathOf(descriptor);
        Parser = parser;
        _invoke = invoke;
        LogLevel = logLevel;
    }

    public MethodDescriptor Descriptor { get; }

    /// <summary><c>/package.Service/Method</c>, the HTTP/2 :path of the call.</summary>
    public string Path { get; }

    public MessageParser Parser { get; }

    /// <summary>The level at which each call is logged (polling calls such as Probe log at Debug).</summary>
    public LogLevel LogLevel { get; }

    public static string PathOf(MethodDescriptor descriptor) => $"/{descriptor.Service.FullName}/{descriptor.Name}";

    public static GrpcMethod Create<TRequest, TResponse>(
        MethodDescriptor descriptor,
        Func<TRequest, CallContext, Task<TResponse>> handler,
        LogLevel logLevel = LogLevel.Information)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(handler);
        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"Handler types {typeof(TRequest).Name} -> {typeof(TResponse).Name} do not match {descriptor.FullName}.", nameof(handler));
        }

        return new GrpcMethod(
            descriptor,
            new MessageParser<TRequest>(() => new TRequest()),
            async (request, context) => await handler((TRequest)request, context).ConfigureAwait(false),
            logLevel);
    }

    public Task<IMessage> InvokeAsync(IMessage request, CallContext context) => _invoke(request, context);

    /// <summary>The same method, with <paramref name="gate"/> awaited before the handler runs (e.g. until the plugin is ready).</summary>
    public GrpcMethod After(Func<CallContext, Task> gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var invoke = _invoke;
        return new GrpcMethod(Descriptor, Parser, async (request, context) =>
        {
            await gate(context).ConfigureAwait(false);
            return await invoke(request, context).ConfigureAwait(false);
        }, LogLevel);
    }
}
