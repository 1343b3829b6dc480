using System.Security.Cryptography.X509Certificates;

namespace Stratum.Kube.Client;

/// <summary>
/// How to reach one API server: its address, which certificate authorities to trust for it, and
/// the credentials to present. Built by <see cref="KubeConfigLoader"/> from a kubeconfig file or
/// from the pod's service account.
/// </summary>
public sealed class KubeClientConfig
{
    /// <summary>The server's base address, always ending in <c>/</c> (so API paths resolve below it).</summary>
    public required Uri Server { get; init; }

    /// <summary>The roots the server's certificate must chain to; null trusts the system's store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Accept any server certificate (kubeconfig <c>insecure-skip-tls-verify</c>).</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>A bearer token that never changes.</summary>
    public string? Token { get; init; }

    /// <summary>A file holding the bearer token, re-read as it rotates (service-account tokens do, hourly).</summary>
    public string? TokenFile { get; init; }

    /// <summary>A client certificate with its private key (kubeconfig <c>client-certificate</c> + <c>client-key</c>).</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The namespace of the context or of the service account, when known.</summary>
    public string? Namespace { get; init; }

    /// <summary>A server without credentials or TLS settings (tests, <c>kubectl proxy</c>).</summary>
    public static KubeClientConfig ForServer(string server) => new() { Server = KubeConfigLoader.ServerUri(server, "--server") };
}

/// <summary>The Kubernetes client configuration is missing, unreadable or malformed; the message says which file and field.</summary>
public sealed class KubeConfigException(string message, Exception? inner = null) : Exception(message, inner);
