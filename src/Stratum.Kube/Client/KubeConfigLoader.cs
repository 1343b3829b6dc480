using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stratum.Kube.Client;

/// <summary>
/// Reads a <see cref="KubeClientConfig"/> from a kubeconfig file (its current context: cluster
/// server, certificate authority or insecure-skip-tls-verify; user token, token file or client
/// certificate) or from the pod's service account (<c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c> and
/// <c>/var/run/secrets/kubernetes.io/serviceaccount</c>). The YAML goes through YamlDotNet's
/// representation model: no serializer, no reflection. Every problem is a
/// <see cref="KubeConfigException"/> naming the file and the field.
/// </summary>
public static class KubeConfigLoader
{
    /// <summary>Where a pod's service-account token, CA bundle and namespace are mounted.</summary>
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>True when running in a pod with a service account: the service variables are set and its token and CA are mounted.</summary>
    public static bool IsInCluster() => IsInCluster(Environment.GetEnvironmentVariable, ServiceAccountDirectory);

    /// <summary><see cref="IsInCluster()"/> with the environment and the mount directory given (tests).</summary>
    public static bool IsInCluster(Func<string, string?> environment, string directory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST"))
            && !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_PORT"))
            && File.Exists(Path.Combine(directory, "token"))
            && File.Exists(Path.Combine(directory, "ca.crt"));
    }

    /// <summary>What a client without explicit configuration uses: the service account in a pod, else <c>$KUBECONFIG</c> or <c>~/.kube/config</c>.</summary>
    public static KubeClientConfig Default()
    {
        if (IsInCluster())
        {
            return InCluster();
        }

        var path = Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return FromKubeconfig(path);
    }

    /// <summary>The pod's service account: server from the environment, token (re-read as it rotates), CA and namespace from the mount.</summary>
    public static KubeClientConfig InCluster() => InCluster(Environment.GetEnvironmentVariable, ServiceAccountDirectory);

    /// <summary><see cref="InCluster()"/> with the environment and the mount directory given (tests).</summary>
    public static KubeClientConfig InCluster(Func<string, string?> environment, string directory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException("not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not both set");
        }

        var tokenFile = Path.Combine(directory, "token");
        if (ReadFile(tokenFile, "the service-account token").Trim().Length == 0)
        {
            throw new KubeConfigException($"the service-account token {tokenFile} is empty");
        }

        var caFile = Path.Combine(directory, "ca.crt");
        var authorities = Authorities(ReadFile(caFile, "the service-account CA bundle"), caFile);
        var namespaceFile = Path.Combine(directory, "namespace");
        var ns = File.Exists(namespaceFile) ? ReadFile(namespaceFile, "the service-account namespace").Trim() : null;
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new KubeClientConfig
        {
            Server = ServerUri($"https://{authority}:{port}", "KUBERNETES_SERVICE_HOST/PORT"),
            CertificateAuthorities = authorities,
            TokenFile = tokenFile,
            Namespace = string.IsNullOrEmpty(ns) ? null : ns,
        };
    }

    /// <summary>The current context (or <paramref name="context"/>) of a kubeconfig file. Relative paths in it are relative to the file.</summary>
    public static KubeClientConfig FromKubeconfig(string path, string? context = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = ReadFile(path, "the kubeconfig");
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var root = Parse(text, path);
        var contextName = context ?? Scalar(root, "current-context", path, "")
            ?? throw new KubeConfigException($"kubeconfig {path}: no current-context is set");
        var contextMap = Named(root, "contexts", "context", contextName, path);
        var clusterName = Scalar(contextMap, "cluster", path, $"context {contextName}")
            ?? throw new KubeConfigException($"kubeconfig {path}: context {contextName} names no cluster");
        var userName = Scalar(contextMap, "user", path, $"context {contextName}");
        var cluster = Named(root, "clusters", "cluster", clusterName, path);
        var user = string.IsNullOrEmpty(userName) ? null : Named(root, "users", "user", userName, path);
        var where = $"cluster {clusterName}";
        var server = Scalar(cluster, "server", path, where)
            ?? throw new KubeConfigException($"kubeconfig {path}: cluster {clusterName} has no server");
        var caPem = Pem(cluster, "certificate-authority", path, where, directory);
        var (token, tokenFile, certificate) = user is null ? (null, null, null) : Credentials(user, userName!, path, directory);
        var ns = Scalar(contextMap, "namespace", path, $"context {contextName}");
        return new KubeClientConfig
        {
            Server = ServerUri(server, $"kubeconfig {path}: cluster {clusterName} server"),
            CertificateAuthorities = caPem is null ? null : Authorities(caPem, $"kubeconfig {path}: cluster {clusterName} certificate-authority"),
            InsecureSkipTlsVerify = Flag(cluster, "insecure-skip-tls-verify", path, where),
            Token = token,
            TokenFile = tokenFile,
            ClientCertificate = certificate,
            Namespace = string.IsNullOrEmpty(ns) ? null : ns,
        };
    }

    /// <summary>An absolute http(s) URL, with the trailing slash that makes API paths resolve below any path prefix.</summary>
    public static Uri ServerUri(string server, string what)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new KubeConfigException($"{what}: '{server}' is not an http(s) URL");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static (string? Token, string? TokenFile, X509Certificate2? Certificate) Credentials(YamlMappingNode user, string name, string path, string directory)
    {
        var where = $"user {name}";
        var token = Scalar(user, "token", path, where);
        var tokenFile = Scalar(user, "tokenFile", path, where);
        if (string.IsNullOrEmpty(token) && !string.IsNullOrEmpty(tokenFile))
        {
            tokenFile = Path.Combine(directory, tokenFile);
            if (ReadFile(tokenFile, $"kubeconfig {path}: user {name} tokenFile").Trim().Length == 0)
            {
                throw new KubeConfigException($"kubeconfig {path}: user {name} tokenFile {tokenFile} is empty");
            }
        }
        else
        {
            tokenFile = null;
        }

        var certPem = Pem(user, "client-certificate", path, where, directory);
        var keyPem = Pem(user, "client-key", path, where, directory);
        X509Certificate2? certificate = null;
        if (certPem is not null || keyPem is not null)
        {
            if (certPem is null || keyPem is null)
            {
                throw new KubeConfigException($"kubeconfig {path}: user {name} has a client {(certPem is null ? "key" : "certificate")} but no client {(certPem is null ? "certificate" : "key")}");
            }

            try
            {
                certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new KubeConfigException($"kubeconfig {path}: user {name}: the client certificate and key are not a valid PEM pair: {e.Message}", e);
            }
        }

        if (string.IsNullOrEmpty(token) && tokenFile is null && certificate is null)
        {
            foreach (var unsupported in new[] { "exec", "auth-provider", "username" })
            {
                if (user.Children.ContainsKey(new YamlScalarNode(unsupported)))
                {
                    throw new KubeConfigException($"kubeconfig {path}: user {name} authenticates with '{unsupported}', which stratum does not support; use a token, tokenFile or client certificate");
                }
            }
        }

        return (string.IsNullOrEmpty(token) ? null : token, tokenFile, certificate);
    }

    private static X509Certificate2Collection Authorities(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"{what}: not a PEM certificate bundle: {e.Message}", e);
        }

        return collection.Count > 0 ? collection : throw new KubeConfigException($"{what}: holds no PEM certificate");
    }

    /// <summary>The PEM text of <c>KEY-data</c> (base64) or of the file <c>KEY</c>; null when neither is set.</summary>
    private static string? Pem(YamlMappingNode map, string key, string path, string where, string directory)
    {
        if (Scalar(map, key + "-data", path, where) is { Length: > 0 } data)
        {
            try
            {
                return Encoding.ASCII.GetString(Convert.FromBase64String(data));
            }
            catch (FormatException e)
            {
                throw new KubeConfigException($"kubeconfig {path}: {where} {key}-data is not base64", e);
            }
        }

        return Scalar(map, key, path, where) is { Length: > 0 } file
            ? ReadFile(Path.Combine(directory, file), $"kubeconfig {path}: {where} {key}")
            : null;
    }

    private static YamlMappingNode Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new KubeConfigException($"kubeconfig {path}: not valid YAML at line {e.Start.Line}: {e.Message}", e);
        }

        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw new KubeConfigException($"kubeconfig {path}: not a YAML mapping");
    }

    /// <summary>The <paramref name="field"/> mapping of the entry named <paramref name="name"/> in the list <paramref name="list"/>.</summary>
    private static YamlMappingNode Named(YamlMappingNode root, string list, string field, string name, string path)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(list), out var node) && node is YamlSequenceNode entries)
        {
            foreach (var entry in entries)
            {
                if (entry is YamlMappingNode map && Scalar(map, "name", path, list) == name)
                {
                    return map.Children.TryGetValue(new YamlScalarNode(field), out var inner) && inner is YamlMappingNode body
                        ? body
                        : throw new KubeConfigException($"kubeconfig {path}: {field} {name} has no '{field}' mapping");
                }
            }
        }

        throw new KubeConfigException($"kubeconfig {path}: no {field} named '{name}' in {list}");
    }

    private static string? Scalar(YamlMappingNode map, string key, string path, string where) =>
        !map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? null
        : node is YamlScalarNode scalar ? scalar.Value
        : throw new KubeConfigException($"kubeconfig {path}: {(where.Length == 0 ? "" : where + " ")}{key} is not a single value");

    private static bool Flag(YamlMappingNode map, string key, string path, string where) =>
        Scalar(map, key, path, where) switch
        {
            null or "" or "false" => false,
            "true" => true,
            var other => throw new KubeConfigException(string.Create(CultureInfo.InvariantCulture, $"kubeconfig {path}: {where} {key} is '{other}', not true or false")),
        };

    private static string ReadFile(string file, string what)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"{what} {file} cannot be read: {e.Message}", e);
        }
    }
}
