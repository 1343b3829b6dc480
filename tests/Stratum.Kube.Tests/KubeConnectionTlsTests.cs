using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Stratum.Kube.Client;

namespace Stratum.Kube.Tests;

/// <summary>
/// <see cref="KubeConnection"/> against an HTTPS server on loopback whose certificate a test CA
/// signed: which servers it trusts, the client certificate and the bearer token it presents.
/// The server answers every GET with a Status whose reason is the Authorization header and whose
/// message is the client certificate's subject.
/// </summary>
public sealed class KubeConnectionTlsTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> NoQuery = [];
    private static readonly X509Certificate2 Ca = TestCertificates.Authority("cluster-ca");
    private static readonly X509Certificate2 OtherCa = TestCertificates.Authority("other-ca");
    private static readonly X509Certificate2 ServerCertificate = TestCertificates.Issue(Ca, "kube-apiserver", server: true);
    private readonly string _dir = Directory.CreateTempSubdirectory("stratum-tls-").FullName;
    private WebApplication _app = null!;
    private Uri _server = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = ServerCertificate;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
        })));
        _app = builder.Build();
        _app.Run(async context =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            context.Response.StatusCode = authorization == "Bearer revoked" ? 401 : 200;
            context.Response.ContentType = "application/json";
            var status = new k8s.Models.V1Status { Reason = authorization, Message = context.Connection.ClientCertificate?.Subject ?? "" };
            await context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(status, KubeJson.Default.V1Status)).ConfigureAwait(false);
        });
        await _app.StartAsync();
        _server = new Uri(_app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Get_ServerSignedByConfiguredCa_AnswersWithTokenSent()
    {
        using var api = new KubeConnection(Config(Ca, token: "secret-token"));

        var status = await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default);

        Assert.Equal("Bearer secret-token", status.Reason);
        Assert.Equal("", status.Message);
    }

    [Fact]
    public async Task Get_ServerSignedByAnotherCa_RefusedBeforeAnyRequest()
    {
        using var api = new KubeConnection(Config(OtherCa, token: "secret-token"));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default));

        Assert.IsType<AuthenticationException>(ex.InnerException);
    }

    [Fact]
    public async Task Get_InsecureSkipTlsVerify_AcceptsAnUnknownCa()
    {
        using var api = new KubeConnection(new KubeClientConfig { Server = _server, InsecureSkipTlsVerify = true, CertificateAuthorities = [OtherCa] });

        var status = await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default);

        Assert.Equal("", status.Reason);
    }

    [Fact]
    public async Task Get_ClientCertificate_PresentedToTheServer()
    {
        var user = TestCertificates.Issue(Ca, "system:node:n1", server: false);
        using var api = new KubeConnection(new KubeClientConfig { Server = _server, CertificateAuthorities = [Ca], ClientCertificate = user });

        var status = await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default);

        Assert.Equal("CN=system:node:n1", status.Message);
        Assert.Equal("", status.Reason);
    }

    [Fact]
    public async Task Get_TokenFileRotated_NewTokenSentAfterAMinute()
    {
        var file = Path.Combine(_dir, "token");
        File.WriteAllText(file, "first\n");
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        using var api = new KubeConnection(new KubeClientConfig { Server = _server, CertificateAuthorities = [Ca], TokenFile = file }, time);
        Assert.Equal("Bearer first", (await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default)).Reason);

        File.WriteAllText(file, "second\n");
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("Bearer first", (await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default)).Reason);
        time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal("Bearer second", (await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default)).Reason);
    }

    [Fact]
    public async Task Get_Unauthorized_TokenFileReadAgainForTheNextRequest()
    {
        var file = Path.Combine(_dir, "token");
        File.WriteAllText(file, "revoked");
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        using var api = new KubeConnection(new KubeClientConfig { Server = _server, CertificateAuthorities = [Ca], TokenFile = file }, time);
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);

        File.WriteAllText(file, "renewed");

        Assert.Equal("Bearer renewed", (await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default)).Reason);
    }

    [Fact]
    public async Task Get_TokenFileGoneAfterFirstRead_LastTokenKept()
    {
        var file = Path.Combine(_dir, "token");
        File.WriteAllText(file, "kept");
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        using var api = new KubeConnection(new KubeClientConfig { Server = _server, CertificateAuthorities = [Ca], TokenFile = file }, time);
        await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default);

        File.Delete(file);
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("Bearer kept", (await api.GetAsync("api/v1/whoami", NoQuery, KubeJson.Default.V1Status, default)).Reason);
    }

    private KubeClientConfig Config(X509Certificate2 authority, string token) =>
        new() { Server = _server, CertificateAuthorities = [authority], Token = token };
}
