using System.Security.Cryptography.X509Certificates;
using Stratum.Kube.Client;

namespace Stratum.Kube.Tests;

/// <summary>Kubeconfig files and service-account mounts read into a <see cref="KubeClientConfig"/>, and the errors for bad ones.</summary>
public sealed class KubeConfigLoaderTests : IDisposable
{
    private static readonly X509Certificate2 Ca = TestCertificates.Authority("test-ca");
    private static readonly X509Certificate2 User = TestCertificates.Issue(Ca, "alice", server: false);
    private readonly string _dir = Directory.CreateTempSubdirectory("stratum-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FromKubeconfig_CurrentContextWithTokenAndCaData_ReadsThatContext()
    {
        var path = Write("config", $$$"""
            apiVersion: v1
            kind: Config
            current-context: prod
            contexts:
            - name: dev
              context: {cluster: dev, user: dev}
            - name: prod
              context:
                cluster: prod
                user: admin
                namespace: storage
            clusters:
            - name: dev
              cluster: {server: "https://dev.example:6443"}
            - name: prod
              cluster:
                server: https://10.0.0.1:6443/prefix
                certificate-authority-data: {{{TestCertificates.Base64(TestCertificates.CertificatePem(Ca))}}}
            users:
            - name: dev
              user: {token: dev-token}
            - name: admin
              user:
                token: prod-token
            """);

        var config = KubeConfigLoader.FromKubeconfig(path);

        Assert.Equal("https://10.0.0.1:6443/prefix/", config.Server.AbsoluteUri);
        Assert.Equal(Ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.Equal("prod-token", config.Token);
        Assert.Null(config.TokenFile);
        Assert.Null(config.ClientCertificate);
        Assert.False(config.InsecureSkipTlsVerify);
        Assert.Equal("storage", config.Namespace);
    }

    [Fact]
    public void FromKubeconfig_ExplicitContext_OverridesCurrentContext()
    {
        var path = Write("config", """
            current-context: a
            contexts:
            - {name: a, context: {cluster: a, user: u}}
            - {name: b, context: {cluster: b, user: u}}
            clusters:
            - {name: a, cluster: {server: "https://a:1"}}
            - {name: b, cluster: {server: "https://b:2", insecure-skip-tls-verify: true}}
            users:
            - {name: u, user: {token: t}}
            """);

        var config = KubeConfigLoader.FromKubeconfig(path, context: "b");

        Assert.Equal("https://b:2/", config.Server.AbsoluteUri);
        Assert.True(config.InsecureSkipTlsVerify);
        Assert.Null(config.CertificateAuthorities);
    }

    [Fact]
    public void FromKubeconfig_FilePathsRelativeToTheKubeconfig_CaClientCertificateAndTokenFileRead()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "pki"));
        Write("pki/ca.crt", TestCertificates.CertificatePem(Ca));
        Write("pki/alice.crt", TestCertificates.CertificatePem(User));
        Write("pki/alice.key", TestCertificates.KeyPem(User));
        Write("token", "ignored-when-token-is-set\n");
        var path = Write("config", """
            current-context: c
            contexts: [{name: c, context: {cluster: k, user: alice}}]
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt}}]
            users: [{name: alice, user: {client-certificate: pki/alice.crt, client-key: pki/alice.key, tokenFile: token}}]
            """);

        var config = KubeConfigLoader.FromKubeconfig(path);

        Assert.Equal(Ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.Equal(User.Thumbprint, config.ClientCertificate!.Thumbprint);
        Assert.True(config.ClientCertificate.HasPrivateKey);
        Assert.Equal(Path.Combine(_dir, "token"), config.TokenFile);
        Assert.Null(config.Token);
    }

    [Fact]
    public void FromKubeconfig_ClientCertificateData_CertificateWithKey()
    {
        var path = Write("config", $$$"""
            current-context: c
            contexts: [{name: c, context: {cluster: k, user: alice}}]
            clusters: [{name: k, cluster: {server: "http://127.0.0.1:8001"}}]
            users:
            - name: alice
              user:
                client-certificate-data: {{{TestCertificates.Base64(TestCertificates.CertificatePem(User))}}}
                client-key-data: {{{TestCertificates.Base64(TestCertificates.KeyPem(User))}}}
            """);

        var config = KubeConfigLoader.FromKubeconfig(path);

        Assert.Equal("CN=alice", config.ClientCertificate!.Subject);
        Assert.True(config.ClientCertificate.HasPrivateKey);
        Assert.Null(config.Token);
    }

    [Theory]
    [InlineData("current-context: [", "not valid YAML")]
    [InlineData("- a list", "not a YAML mapping")]
    [InlineData("contexts: []", "no current-context is set")]
    [InlineData("current-context: gone\ncontexts: []", "no context named 'gone' in contexts")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {user: u}}]", "context c names no cluster")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {}}]", "cluster k has no server")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'ftp://x'}}]", "'ftp://x' is not an http(s) URL")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: [a]}}]", "cluster k server is not a single value")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://x', certificate-authority-data: '%%%'}}]", "certificate-authority-data is not base64")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://x', certificate-authority-data: 'aGVsbG8='}}]", "holds no PEM certificate")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://x', certificate-authority: missing.crt}}]", "certificate-authority")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://x', insecure-skip-tls-verify: maybe}}]", "insecure-skip-tls-verify is 'maybe', not true or false")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://x'}}]\nusers: []", "no user named 'u' in users")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://x'}}]\nusers: [{name: u, user: {exec: {command: aws}}}]", "user u authenticates with 'exec'")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://x'}}]\nusers: [{name: u, user: {tokenFile: missing-token}}]", "user u tokenFile")]
    [InlineData("current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'https://x'}}]\nusers: [{name: u, user: {client-key-data: 'aGVsbG8='}}]", "user u has a client key but no client certificate")]
    public void FromKubeconfig_BadFile_KubeConfigExceptionNamingFileAndField(string yaml, string expected)
    {
        var path = Write("config", yaml);

        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.FromKubeconfig(path));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeconfig_MissingFile_KubeConfigExceptionWithPath()
    {
        var path = Path.Combine(_dir, "absent");

        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.FromKubeconfig(path));

        Assert.StartsWith($"the kubeconfig {path} cannot be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeconfig_ClientKeyNotMatchingTheCertificate_KubeConfigException()
    {
        var other = TestCertificates.Issue(Ca, "bob", server: false);
        var path = Write("config", $$$"""
            current-context: c
            contexts: [{name: c, context: {cluster: k, user: u}}]
            clusters: [{name: k, cluster: {server: "https://x"}}]
            users:
            - name: u
              user:
                client-certificate-data: {{{TestCertificates.Base64(TestCertificates.CertificatePem(User))}}}
                client-key-data: {{{TestCertificates.Base64(TestCertificates.KeyPem(other))}}}
            """);

        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.FromKubeconfig(path));

        Assert.Contains("user u: the client certificate and key are not a valid PEM pair", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.96.0.1", "443", "https://10.96.0.1/")]
    [InlineData("10.96.0.1", "6443", "https://10.96.0.1:6443/")]
    [InlineData("fd00::1", "443", "https://[fd00::1]/")]
    public void InCluster_ServiceAccountMount_ServerCaTokenFileAndNamespace(string host, string port, string server)
    {
        Write("ca.crt", TestCertificates.CertificatePem(Ca));
        Write("token", "sa-token\n");
        Write("namespace", "stratum-system");
        var env = Env(host, port);

        Assert.True(KubeConfigLoader.IsInCluster(env, _dir));
        var config = KubeConfigLoader.InCluster(env, _dir);

        Assert.Equal(server, config.Server.AbsoluteUri);
        Assert.Equal(Ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.Equal(Path.Combine(_dir, "token"), config.TokenFile);
        Assert.Null(config.Token);
        Assert.Equal("stratum-system", config.Namespace);
    }

    [Theory]
    [InlineData(null, "443", true, true, false)]
    [InlineData("10.96.0.1", "", true, true, false)]
    [InlineData("10.96.0.1", "443", false, true, false)]
    [InlineData("10.96.0.1", "443", true, false, false)]
    [InlineData("10.96.0.1", "443", true, true, true)]
    public void IsInCluster_EnvironmentAndMount_TrueOnlyWithAll(string? host, string port, bool token, bool ca, bool expected)
    {
        if (token)
        {
            Write("token", "t");
        }

        if (ca)
        {
            Write("ca.crt", TestCertificates.CertificatePem(Ca));
        }

        Assert.Equal(expected, KubeConfigLoader.IsInCluster(Env(host, port), _dir));
    }

    [Theory]
    [InlineData(null, "t", "pem", "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not both set")]
    [InlineData("10.96.0.1", null, "pem", "the service-account token")]
    [InlineData("10.96.0.1", " \n", "pem", "is empty")]
    [InlineData("10.96.0.1", "t", null, "the service-account CA bundle")]
    [InlineData("10.96.0.1", "t", "not a certificate", "holds no PEM certificate")]
    public void InCluster_BadMount_KubeConfigException(string? host, string? token, string? ca, string expected)
    {
        if (token is not null)
        {
            Write("token", token);
        }

        if (ca is not null)
        {
            Write("ca.crt", ca == "pem" ? TestCertificates.CertificatePem(Ca) : ca);
        }

        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.InCluster(Env(host, "443"), _dir));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForServer_NoCredentials_TrailingSlashAdded()
    {
        var config = KubeClientConfig.ForServer("http://127.0.0.1:8001");

        Assert.Equal("http://127.0.0.1:8001/", config.Server.AbsoluteUri);
        Assert.Null(config.Token);
        Assert.Null(config.TokenFile);
        Assert.Null(config.CertificateAuthorities);
    }

    private static Func<string, string?> Env(string? host, string? port) => name => name switch
    {
        "KUBERNETES_SERVICE_HOST" => host,
        "KUBERNETES_SERVICE_PORT" => port,
        _ => null,
    };

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
