using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Stratum.Csi.Grpc;
using Stratum.Csi.Tests.TestSupport;
using Stratum.Csi.V1;

namespace Stratum.Csi.Tests.Grpc;

/// <summary>The gRPC server and client talking over a real Unix socket.</summary>
public sealed class GrpcServerTests
{
    private static readonly MethodDescriptor ProbeMethod = CsiMethods.Identity.FindMethodByName("Probe");
    private static readonly MethodDescriptor InfoMethod = CsiMethods.Identity.FindMethodByName("GetPluginInfo");
    private static readonly MethodDescriptor CreateMethod = CsiMethods.Controller.FindMethodByName("CreateVolume");

    private static GrpcMethod Probe(Func<ProbeRequest, CallContext, Task<ProbeResponse>> handler) =>
        GrpcMethod.Create(ProbeMethod, handler);

    private static GrpcMethod ReadyProbe() => Probe((_, _) => Task.FromResult(new ProbeResponse { Ready = true }));

    private static GrpcMethod EchoCreate() => GrpcMethod.Create<CreateVolumeRequest, CreateVolumeResponse>(
        CreateMethod,
        (request, _) => Task.FromResult(new CreateVolumeResponse { Volume = new Volume { VolumeId = request.Name } }));

    [Fact]
    public async Task Call_RegisteredMethod_ReturnsHandlerResponse()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);

        var response = await server.Client.CallAsync<ProbeResponse>(new ProbeRequest());

        Assert.True(response.Ready);
    }

    [Fact]
    public async Task Call_UnknownMethod_ReturnsUnimplemented()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync<GetPluginInfoResponse>(new GetPluginInfoRequest()));

        Assert.Equal(StatusCode.Unimplemented, ex.Status);
        Assert.Contains("/csi.v1.Identity/GetPluginInfo", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_HandlerThrows_ReturnsInternalAndKeepsServing()
    {
        var crash = Probe((_, _) => throw new InvalidOperationException("boom"));
        await using var server = await TestServer.StartAsync([crash, EchoCreate()]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync<ProbeResponse>(new ProbeRequest()));

        Assert.Equal(StatusCode.Internal, ex.Status);
        Assert.Contains("boom", ex.Detail, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, l => l.EventId.Id == 4012);
        var ok = await server.Client.CallAsync<CreateVolumeResponse>(new CreateVolumeRequest { Name = "still-alive" });
        Assert.Equal("still-alive", ok.Volume.VolumeId);
    }

    [Theory]
    [InlineData(StatusCode.NotFound, "volume stratum:vg:lv not found")]
    [InlineData(StatusCode.ResourceExhausted, "only 1.5 GiB free in größe-klasse")]
    [InlineData(StatusCode.Aborted, "an operation on 卷 is in progress; 100% busy\nretry")]
    public async Task Call_HandlerThrowsRpcException_StatusAndMessageReachClient(StatusCode status, string detail)
    {
        await using var server = await TestServer.StartAsync([Probe((_, _) => throw new RpcException(status, detail))]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync<ProbeResponse>(new ProbeRequest()));

        Assert.Equal(status, ex.Status);
        Assert.Equal(detail, ex.Detail);
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

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync<ProbeResponse>(new ProbeRequest(), TimeSpan.FromMilliseconds(200)));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Call_ServerSideDeadlineFromHeader_ReturnsDeadlineExceeded()
    {
        var slow = Probe(async (_, context) =>
        {
            Assert.NotNull(context.Deadline);
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            return new ProbeResponse();
        });
        await using var server = await TestServer.StartAsync([slow]);
        using var raw = server.CreateRawClient();

        // The raw client does not enforce the deadline itself: only the server can end this call.
        var (http, status, _) = await SendRawAsync(raw, ProbeMethod, Frame(new ProbeRequest().ToByteArray()), timeoutHeader: "150m");

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal(StatusCode.DeadlineExceeded, status);
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

        var calls = Enumerable.Range(0, 200).Select(_ => server.Client.CallAsync<ProbeResponse>(new ProbeRequest(), TimeSpan.FromSeconds(60)));
        var responses = await Task.WhenAll(calls);

        Assert.Equal(200, responses.Length);
        Assert.All(responses, r => Assert.True(r.Ready));
        Assert.True(maxInFlight >= 10, $"at most {maxInFlight} calls overlapped");
        Assert.Equal(200, server.Logs.Lines.Count(l => l.EventId.Id == 4010));
    }

    [Fact]
    public async Task Call_RequestOverLimit_ResourceExhausted()
    {
        await using var server = await TestServer.StartAsync([EchoCreate()], maxMessageBytes: 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync<CreateVolumeResponse>(new CreateVolumeRequest { Name = new string('x', 4096) }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.Status);
        Assert.Contains("1024", ex.Detail, StringComparison.Ordinal);
        var ok = await server.Client.CallAsync<CreateVolumeResponse>(new CreateVolumeRequest { Name = "small" });
        Assert.Equal("small", ok.Volume.VolumeId);
    }

    [Fact]
    public async Task Call_ResponseOverLimit_ResourceExhausted()
    {
        var big = GrpcMethod.Create<GetPluginInfoRequest, GetPluginInfoResponse>(InfoMethod, (_, _) => Task.FromResult(new GetPluginInfoResponse { Name = new string('n', 5000) }));
        await using var server = await TestServer.StartAsync([big], maxMessageBytes: 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync<GetPluginInfoResponse>(new GetPluginInfoRequest()));

        Assert.Equal(StatusCode.ResourceExhausted, ex.Status);
    }

    public static TheoryData<string, byte[], string?, StatusCode> MalformedFrames => new()
    {
        { "empty body", [], null, StatusCode.Internal },
        { "truncated header", [0, 0, 0], null, StatusCode.Internal },
        { "truncated message", [0, 0, 0, 0, 100, 1, 2, 3], null, StatusCode.Internal },
        { "not protobuf", [0, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF], null, StatusCode.Internal },
        { "two messages", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], null, StatusCode.Internal },
        { "compressed without encoding", [1, 0, 0, 0, 0], null, StatusCode.Internal },
        { "compressed with gzip", [1, 0, 0, 0, 0], "gzip", StatusCode.Unimplemented },
        { "length beyond limit", [0, 0x7F, 0xFF, 0xFF, 0xFF], null, StatusCode.ResourceExhausted },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task Call_MalformedFrame_AnsweredWithStatusAndServerKeepsServing(string description, byte[] body, string? encoding, StatusCode expected)
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();

        var (http, status, message) = await SendRawAsync(raw, ProbeMethod, body, encoding: encoding);

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.True(expected == status, $"{description}: {status} {message}");
        Assert.False(string.IsNullOrEmpty(message));
        Assert.True((await server.Client.CallAsync<ProbeResponse>(new ProbeRequest())).Ready);
    }

    [Fact]
    public async Task Call_MalformedTimeoutHeader_Internal()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();

        var (_, status, message) = await SendRawAsync(raw, ProbeMethod, Frame([]), timeoutHeader: "soon");

        Assert.Equal(StatusCode.Internal, status);
        Assert.Contains("grpc-timeout", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1440H")]
    [InlineData("8760H")]
    [InlineData("99999999H")]
    public async Task Call_DeadlineBeyondTimerRange_ServedAsNoDeadline(string timeoutHeader)
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();

        var (http, status, message) = await SendRawAsync(raw, ProbeMethod, Frame(new ProbeRequest().ToByteArray()), timeoutHeader: timeoutHeader);

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.True(status == StatusCode.OK, $"{status}: {message}");
    }

    [Fact]
    public async Task Call_CompressedWithUnsupportedEncoding_AdvertisesIdentity()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, GrpcMethod.PathOf(ProbeMethod))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([1, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");

        using var response = await raw.SendAsync(request);

        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal("identity", response.Headers.GetValues("grpc-accept-encoding").Single());
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
    public async Task Call_WrongContentType_Http415()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();

        var (http, status, _) = await SendRawAsync(raw, ProbeMethod, Frame([]), contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, http);
        Assert.Equal(StatusCode.Internal, status);
    }

    [Fact]
    public async Task Call_GetInsteadOfPost_Http405()
    {
        await using var server = await TestServer.StartAsync([ReadyProbe()]);
        using var raw = server.CreateRawClient();

        using var response = await raw.GetAsync(GrpcMethod.PathOf(ProbeMethod));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Call_WithSecrets_LoggedOnceWithSecretsStripped()
    {
        await using var server = await TestServer.StartAsync([EchoCreate()]);

        await server.Client.CallAsync<CreateVolumeResponse>(new CreateVolumeRequest { Name = "pvc-9", Secrets = { ["password"] = "hunter2" } });

        var line = Assert.Single(server.Logs.Lines, l => l.EventId.Id == 4010);
        Assert.Contains("/csi.v1.Controller/CreateVolume", line.Message, StringComparison.Ordinal);
        Assert.Contains("pvc-9", line.Message, StringComparison.Ordinal);
        Assert.Contains(SecretStripper.Stripped, line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs.Lines, l => l.Message.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Call_Failed_LoggedOnceWithCode()
    {
        await using var server = await TestServer.StartAsync([Probe((_, _) => throw new RpcException(StatusCode.NotFound, "gone"))]);

        await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync<ProbeResponse>(new ProbeRequest()));

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

        Assert.Equal(Volumes.Platform.FileKind.Socket, Volumes.Platform.FileStatus.Lstat(path).Kind);
        var logs = new CapturingLoggerProvider();
        await using var server = new GrpcServer(new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(path)] }, new GrpcMethodTable([ReadyProbe()]), logs.CreateFactory());

        await server.StartAsync();

        using var client = new GrpcClient(ServerEndpoint.Parse(path));
        Assert.True((await client.CallAsync<ProbeResponse>(new ProbeRequest())).Ready);
        Assert.Contains(logs.Lines, l => l.EventId.Id == 4003);
    }

    [Fact]
    public async Task Start_SocketServedByLiveServer_RefusesAndLeavesItWorking()
    {
        await using var first = await TestServer.StartAsync([ReadyProbe()]);
        await using var second = new GrpcServer(new GrpcServerOptions { Endpoints = [first.Endpoint] }, new GrpcMethodTable([ReadyProbe()]), new CapturingLoggerProvider().CreateFactory());

        var ex = await Assert.ThrowsAsync<IOException>(() => second.StartAsync());

        Assert.Contains("already serving", ex.Message, StringComparison.Ordinal);
        Assert.True((await first.Client.CallAsync<ProbeResponse>(new ProbeRequest())).Ready);
    }

    [Fact]
    public async Task Start_RegularFileAtSocketPath_RefusesAndKeepsFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("csi.sock");
        await File.WriteAllTextAsync(path, "precious");
        await using var server = new GrpcServer(new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(path)] }, new GrpcMethodTable([ReadyProbe()]), new CapturingLoggerProvider().CreateFactory());

        var ex = await Assert.ThrowsAsync<IOException>(() => server.StartAsync());

        Assert.Contains("not a socket", ex.Message, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Start_MissingDirectory_Created()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "a", "b", "csi.sock");
        await using var server = new GrpcServer(new GrpcServerOptions { Endpoints = [ServerEndpoint.Parse(path)] }, new GrpcMethodTable([ReadyProbe()]), new CapturingLoggerProvider().CreateFactory());

        await server.StartAsync();

        Assert.Equal(Volumes.Platform.FileKind.Socket, Volumes.Platform.FileStatus.Lstat(path).Kind);
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
        var call = server.Client.CallAsync<ProbeResponse>(new ProbeRequest());
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await server.Server.StopAsync(TimeSpan.FromSeconds(20));

        Assert.True((await call.WaitAsync(TimeSpan.FromSeconds(5))).Ready);
        Assert.False(File.Exists(server.Endpoint.SocketPath));
    }

    [Fact]
    public async Task Stop_GracePeriodPasses_CancelsCallAndReturns()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = Probe(async (_, context) =>
        {
            entered.TrySetResult();
            await Task.Delay(TimeSpan.FromMinutes(5), context.CancellationToken);
            return new ProbeResponse();
        });
        await using var server = await TestServer.StartAsync([stuck]);
        var call = server.Client.CallAsync<ProbeResponse>(new ProbeRequest());
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();

        await server.Server.StopAsync(TimeSpan.FromMilliseconds(300));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"stop took {watch.Elapsed}");
        await Assert.ThrowsAnyAsync<Exception>(() => call.WaitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Call_AfterStop_Unavailable()
    {
        var server = await TestServer.StartAsync([ReadyProbe()]);
        await server.Server.StopAsync(TimeSpan.FromSeconds(5));

        using var client = new GrpcClient(server.Endpoint);
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<ProbeResponse>(new ProbeRequest(), TimeSpan.FromSeconds(5)));

        Assert.Equal(StatusCode.Unavailable, ex.Status);
        await server.DisposeAsync();
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        GrpcProtocol.WriteFrameHeader(frame, payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static async Task<(HttpStatusCode Http, StatusCode? Status, string Message)> SendRawAsync(
        HttpClient client, MethodDescriptor method, byte[] body, string? timeoutHeader = null, string? encoding = null, string contentType = "application/grpc")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, GrpcMethod.PathOf(method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (timeoutHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeoutHeader);
        }

        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        foreach (var headers in new HttpHeaders[] { response.Headers, response.TrailingHeaders })
        {
            if (headers.TryGetValues("grpc-status", out var values))
            {
                var message = headers.TryGetValues("grpc-message", out var messages) ? GrpcProtocol.DecodeMessage(messages.First()) : string.Empty;
                return (response.StatusCode, (StatusCode)int.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture), message);
            }
        }

        return (response.StatusCode, null, string.Empty);
    }
}
