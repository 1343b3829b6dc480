using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using Stratum.Csi.Grpc;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;
using static Stratum.Csi.Tests.TestSupport.TestServices;

namespace Stratum.Csi.Tests.Grpc;

/// <summary>The gRPC server (grpc-dotnet on Kestrel) and <see cref="CsiClient"/> talking over a real Unix socket.</summary>
public sealed class GrpcServerTests
{
    private const string ProbePath = "/csi.v1.Identity/Probe";

    private static DateTime In(TimeSpan span) => DateTime.UtcNow + span;

    [Fact]
    public async Task Call_RegisteredMethod_ReturnsHandlerResponse()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);

        var response = await server.Client.Identity.ProbeAsync(new ProbeRequest());

        Assert.True(response.Ready);
    }

    [Fact]
    public async Task Call_MethodTheServiceDoesNotImplement_Unimplemented()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.Identity.GetPluginInfoAsync(new GetPluginInfoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains("/csi.v1.Identity/GetPluginInfo", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Id == 4011 && l.Message.Contains("UNIMPLEMENTED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Call_ServiceNotServed_Unimplemented()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.Node.NodeGetInfoAsync(new NodeGetInfoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.True((await server.Client.Identity.ProbeAsync(new ProbeRequest())).Ready);
    }

    [Fact]
    public async Task Call_HandlerThrows_ReturnsInternalAndKeepsServing()
    {
        await using var server = await TestServer.StartAsync([Probe((_, _) => throw new InvalidOperationException("boom")), EchoCreate()]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("boom", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Id == 4012);
        var ok = await server.Client.Controller.CreateVolumeAsync(new CreateVolumeRequest { Name = "still-alive" });
        Assert.Equal("still-alive", ok.Volume.VolumeId);
    }

    [Theory]
    [InlineData(StatusCode.NotFound, "volume stratum:vg:lv not found")]
    [InlineData(StatusCode.ResourceExhausted, "only 1.5 GiB free in größe-klasse")]
    [InlineData(StatusCode.Aborted, "an operation on 卷 is in progress; 100% busy\nretry")]
    public async Task Call_HandlerThrowsRpcException_StatusAndMessageReachClient(StatusCode status, string detail)
    {
        await using var server = await TestServer.StartAsync([Probe((_, _) => throw new RpcException(new Status(status, detail)))]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync);

        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(detail, ex.Status.Detail);
    }

    [Fact]
    public async Task Call_ClientDeadlinePasses_DeadlineExceededAndHandlerCancelled()
    {
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = Probe(async (_, context) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                handlerCancelled.TrySetResult();
                throw;
            }

            return new ProbeResponse();
        });
        await using var server = await TestServer.StartAsync([slow]);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.Identity.ProbeAsync(new ProbeRequest(), deadline: In(TimeSpan.FromMilliseconds(200))).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Call_ServerSideDeadlineFromHeader_DeadlineExceededAndLogged()
    {
        var slow = Probe(async (_, context) =>
        {
            Assert.True(context.Deadline < DateTime.UtcNow.AddMinutes(1));
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            return new ProbeResponse();
        });
        await using var server = await TestServer.StartAsync([slow]);
        using var raw = server.CreateRawClient();

        // The raw client does not enforce the deadline itself: only the server can end this call.
        var (http, status, _) = await SendRawAsync(raw, ProbePath, Frame(new ProbeRequest().ToByteArray()), timeoutHeader: "150m");

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal(StatusCode.DeadlineExceeded, status);
        await WaitForAsync(() => server.Logs.Lines.Any(l => l.EventId.Id == 4011 && l.Message.Contains("DEADLINE_EXCEEDED", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("1440H")]
    [InlineData("8760H")]
    [InlineData("99999999H")]
    public async Task Call_DeadlineBeyondTimerRange_Served(string timeoutHeader)
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();

        var (http, status, message) = await SendRawAsync(raw, ProbePath, Frame(new ProbeRequest().ToByteArray()), timeoutHeader: timeoutHeader);

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.True(status == StatusCode.OK, $"{status}: {message}");
    }

    [Fact]
    public async Task Call_ManyInParallel_AllSucceedAndOverlap()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var probe = Probe(async (_, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            int seen;
            while ((seen = Volatile.Read(ref maxInFlight)) < now && Interlocked.CompareExchange(ref maxInFlight, now, seen) != seen)
            {
            }

            await Task.Delay(20);
            Interlocked.Decrement(ref inFlight);
            return new ProbeResponse { Ready = true };
        });
        await using var server = await TestServer.StartAsync([probe]);

        var calls = Enumerable.Range(0, 200).Select(_ => server.Client.Identity.ProbeAsync(new ProbeRequest(), deadline: In(TimeSpan.FromSeconds(60))).ResponseAsync);
        var responses = await Task.WhenAll(calls);

        Assert.Equal(200, responses.Length);
        Assert.All(responses, r => Assert.True(r.Ready));
        Assert.True(maxInFlight >= 10, $"at most {maxInFlight} calls overlapped");
        Assert.Equal(200, server.Logs.Lines.Count(l => l.EventId.Id == 4010));
    }

    [Fact]
    public async Task Call_RequestOverLimit_ResourceExhaustedAndKeepsServing()
    {
        await using var server = await TestServer.StartAsync([EchoCreate()], maxMessageBytes: 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.Controller.CreateVolumeAsync(new CreateVolumeRequest { Name = new string('x', 4096) }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        var ok = await server.Client.Controller.CreateVolumeAsync(new CreateVolumeRequest { Name = "small" });
        Assert.Equal("small", ok.Volume.VolumeId);
    }

    [Fact]
    public async Task Call_ResponseOverLimit_ResourceExhaustedAndLogged()
    {
        var big = PluginInfo((_, _) => Task.FromResult(new GetPluginInfoResponse { Name = new string('n', 5000) }));
        await using var server = await TestServer.StartAsync([big], maxMessageBytes: 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.Identity.GetPluginInfoAsync(new GetPluginInfoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("1024", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Id == 4011 && l.Message.Contains("RESOURCE_EXHAUSTED", StringComparison.Ordinal));
    }

    public static TheoryData<string, byte[]> MalformedBodies => new()
    {
        { "truncated message", [0, 0, 0, 0, 100, 1, 2, 3] },
        { "not protobuf", [0, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF] },
        { "length beyond limit", [0, 0x7F, 0xFF, 0xFF, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Call_MalformedBody_AnsweredWithErrorStatusAndServerKeepsServing(string description, byte[] body)
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();

        var (http, status, message) = await SendRawAsync(raw, ProbePath, body);

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.True(status is not null and not StatusCode.OK, $"{description}: {status} {message}");
        Assert.True((await server.Client.Identity.ProbeAsync(new ProbeRequest())).Ready);
    }

    [Fact]
    public async Task Server_IdleConnections_KeptForAtLeastAMonth()
    {
        // The sidecars keep one connection for life, never ping, and exit when it is closed:
        // Kestrel's 130 s default would kill them (found with a Go client).
        await using var server = await TestServer.StartAsync([ReadyProbe()]);

        Assert.True(server.Server.KestrelOptions.Limits.KeepAliveTimeout >= TimeSpan.FromDays(30));
        Assert.NotEqual(Timeout.InfiniteTimeSpan, server.Server.KestrelOptions.Limits.KeepAliveTimeout);
    }

    [Fact]
    public async Task Reflection_ListServices_NamesTheServedServices()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe(), EchoCreate()]);
        var reflection = new ServerReflection.ServerReflectionClient(server.Client.Channel);

        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).Order().ToArray();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "csi.v1.Identity" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto;
        await call.RequestStream.CompleteAsync();

        Assert.Equal(["csi.v1.Controller", "csi.v1.Identity"], names);
        Assert.NotEmpty(files);
    }

    [Fact]
    public async Task Call_WithSecrets_LoggedOnceWithSecretsStripped()
    {
        await using var server = await TestServer.StartAsync([EchoCreate()]);

        await server.Client.Controller.CreateVolumeAsync(new CreateVolumeRequest { Name = "pvc-9", Secrets = { ["password"] = "hunter2" } });

        var line = Assert.Single(server.Logs.Lines, l => l.EventId.Id == 4010);
        Assert.Contains("/csi.v1.Controller/CreateVolume", line.Message, StringComparison.Ordinal);
        Assert.Contains("pvc-9", line.Message, StringComparison.Ordinal);
        Assert.Contains(SecretStripper.Stripped, line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs.Lines, l => l.Message.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Call_Failed_LoggedOnceWithCode()
    {
        await using var server = await TestServer.StartAsync([Probe((_, _) => throw new RpcException(new Status(StatusCode.NotFound, "gone")))]);

        await Assert.ThrowsAsync<RpcException>(() => server.Client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync);

        var line = Assert.Single(server.Logs.Lines, l => l.EventId.Id is 4010 or 4011);
        Assert.Contains("NOT_FOUND", line.Message, StringComparison.Ordinal);
        Assert.Contains("gone", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SocketFile_HasMode0660()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);

        var mode = File.GetUnixFileMode(server.Endpoint.SocketPath!);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
    }

    [Fact]
    public async Task Start_StaleSocketFile_RemovedAndServes()
    {
        using var dir = new TempDirectory();
        var path = dir.File("csi.sock");
        // A process that exits without unlinking its socket leaves the file behind, as a crash does.
        // (.NET unlinks on Dispose, so use a short-lived perl, which Debian always has.)
        using (var owner = Process.Start("perl", ["-MIO::Socket::UNIX", "-e", "IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die $!", path]))
        {
            await owner.WaitForExitAsync();
            Assert.Equal(0, owner.ExitCode);
        }

        Assert.Equal(Stratum.Platform.FileKind.Socket, Stratum.Platform.FileStatus.Lstat(path).Kind);
        var logs = new CapturingLoggerProvider();
        await using var server = new GrpcServer(new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(path)] }, [ReadyProbe()], logs.CreateFactory());

        await server.StartAsync();

        using var client = new CsiClient(ServerEndpoint.Parse(path));
        Assert.True((await client.Identity.ProbeAsync(new ProbeRequest())).Ready);
        Assert.Contains(logs.Lines, l => l.EventId.Id == 4003);
    }

    [Fact]
    public async Task Start_SocketServedByLiveServer_RefusesAndLeavesItWorking()
    {
        await using var first = await TestServer.StartAsync([ReadyProbe()]);
        await using var second = new GrpcServer(new GrpcServerOptions { Endpoints = [first.Endpoint] }, [ReadyProbe()], new CapturingLoggerProvider().CreateFactory());

        var ex = await Assert.ThrowsAsync<IOException>(() => second.StartAsync());

        Assert.Contains("already serving", ex.Message, StringComparison.Ordinal);
        Assert.True((await first.Client.Identity.ProbeAsync(new ProbeRequest())).Ready);
    }

    [Fact]
    public async Task Start_RegularFileAtSocketPath_RefusesAndKeepsFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("csi.sock");
        await File.WriteAllTextAsync(path, "precious");
        await using var server = new GrpcServer(new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(path)] }, [ReadyProbe()], new CapturingLoggerProvider().CreateFactory());

        var ex = await Assert.ThrowsAsync<IOException>(() => server.StartAsync());

        Assert.Contains("not a socket", ex.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Start_MissingDirectory_Created()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "a", "b", "csi.sock");
        await using var server = new GrpcServer(new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(path)] }, [ReadyProbe()], new CapturingLoggerProvider().CreateFactory());

        await server.StartAsync();

        Assert.Equal(Stratum.Platform.FileKind.Socket, Stratum.Platform.FileStatus.Lstat(path).Kind);
    }

    [Fact]
    public async Task Start_TcpEndpoint_ServesBothEndpoints()
    {
        using var dir = new TempDirectory();
        var unix = ServerEndpoint.Parse(dir.File("csi.sock"));
        var tcp = ServerEndpoint.Parse($"tcp://127.0.0.1:{FreeTcpPort()}");
        await using var server = new GrpcServer(new GrpcServerOptions { Endpoints = [unix, tcp] }, [ReadyProbe()], new CapturingLoggerProvider().CreateFactory());
        await server.StartAsync();

        using var overTcp = new CsiClient(tcp);
        using var overUnix = new CsiClient(unix);

        Assert.True((await overTcp.Identity.ProbeAsync(new ProbeRequest())).Ready);
        Assert.True((await overUnix.Identity.ProbeAsync(new ProbeRequest())).Ready);
    }

    [Fact]
    public async Task Stop_InFlightCall_FinishesBeforeShutdown()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = Probe(async (_, _) =>
        {
            entered.TrySetResult();
            await Task.Delay(700);
            return new ProbeResponse { Ready = true };
        });
        await using var server = await TestServer.StartAsync([slow]);
        var call = server.Client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync;
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await server.Server.StopAsync(TimeSpan.FromSeconds(20));

        Assert.True((await call.WaitAsync(TimeSpan.FromSeconds(5))).Ready);
        Assert.False(File.Exists(server.Endpoint.SocketPath));
    }

    [Fact]
    public async Task Stop_GracePeriodPasses_CancelsCallAndReturns()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = Probe(async (_, context) =>
        {
            entered.TrySetResult();
            using var registration = context.CancellationToken.Register(() => cancelled.TrySetResult());
            await Task.Delay(TimeSpan.FromMinutes(5), context.CancellationToken);
            return new ProbeResponse();
        });
        await using var server = await TestServer.StartAsync([stuck]);
        var call = server.Client.Identity.ProbeAsync(new ProbeRequest()).ResponseAsync;
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();

        await server.Server.StopAsync(TimeSpan.FromMilliseconds(300));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"stop took {watch.Elapsed}");
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await Assert.ThrowsAnyAsync<Exception>(() => call.WaitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Call_AfterStop_UnavailableSayingWhy()
    {
        var server = await TestServer.StartAsync([ReadyProbe()]);
        await server.Server.StopAsync(TimeSpan.FromSeconds(5));

        using var client = new CsiClient(server.Endpoint);
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<ProbeResponse>(new ProbeRequest(), TimeSpan.FromSeconds(5)));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal($"cannot reach {server.Endpoint}: no such file or directory: {server.Endpoint.SocketPath}", ex.Status.Detail);
        await server.DisposeAsync();
    }

    private static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true within 10 s");
            await Task.Delay(20);
        }
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static async Task<(HttpStatusCode Http, StatusCode? Status, string Message)> SendRawAsync(
        HttpClient client, string path, byte[] body, string? timeoutHeader = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (timeoutHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeoutHeader);
        }

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        foreach (var headers in new HttpHeaders[] { response.Headers, response.TrailingHeaders })
        {
            if (headers.TryGetValues("grpc-status", out var values))
            {
                var message = headers.TryGetValues("grpc-message", out var messages) ? Uri.UnescapeDataString(messages.First()) : string.Empty;
                return (response.StatusCode, (StatusCode)int.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture), message);
            }
        }

        return (response.StatusCode, null, string.Empty);
    }
}
