using System.Diagnostics;
using k8s.Models;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

/// <summary>kubectl itself against the fake API server: what a developer does by hand works (kubectl is installed by scripts/test-tools).</summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private FakeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Kubectl_CreateGetLabelDelete_RoundTrip()
    {
        var manifest = Path.Combine(Path.GetTempPath(), $"stratum-kubectl-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(manifest, """
            {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"app"},
             "spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"stratum","resources":{"requests":{"storage":"1Gi"}}}}
            """);
        try
        {
            _server.Put(Objects.Node("node-a"));

            Assert.Equal("node/node-a", (await KubectlAsync("get", "nodes", "-o", "name")).Trim());
            Assert.Contains("persistentvolumeclaim/data created", await KubectlAsync("create", "--validate=false", "-f", manifest), StringComparison.Ordinal);
            await KubectlAsync("label", "node", "node-a", "role=db");
            Assert.Equal("node/node-a", (await KubectlAsync("get", "nodes", "-l", "role=db", "-o", "name")).Trim());
            Assert.Equal("app data", (await KubectlAsync("get", "pvc", "-A", "-o", "jsonpath={.items[0].metadata.namespace} {.items[0].metadata.name}")).Trim());
            await KubectlAsync("delete", "pvc", "-n", "app", "data");
            Assert.Null(_server.Get<V1PersistentVolumeClaim>(ResourceType.PersistentVolumeClaims, "app", "data"));
        }
        finally
        {
            File.Delete(manifest);
        }
    }

    [Fact]
    public async Task KubectlWatch_SeesAChangeMadeAfterItStarted()
    {
        _server.Put(Objects.Node("node-a"));
        var watching = KubectlAsync("get", "nodes", "--watch-only", "-o", "name", "--request-timeout=20s");
        await Eventually.TrueAsync(() => _server.Store.WatchCount == 1, "kubectl watches", TimeSpan.FromSeconds(20));

        _server.Put(Objects.Node("node-b"));
        await Eventually.TrueAsync(() => _server.Store.WatchCount == 1, "still watching");
        _server.Store.CloseWatches();

        Assert.Contains("node/node-b", await watching, StringComparison.Ordinal);
    }

    private async Task<string> KubectlAsync(params string[] args)
    {
        var kubectl = Which("kubectl") ?? throw new InvalidOperationException("kubectl is not installed: run scripts/test-tools");
        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--server");
        start.ArgumentList.Add(_server.BaseAddress.ToString().TrimEnd('/'));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // No kubeconfig of the developer's is read or written.
        start.Environment["KUBECONFIG"] = "/dev/null";
        start.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
