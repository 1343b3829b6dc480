using Stratum.Kube.Client;
using Stratum.Kube.Testing;

namespace Stratum.Kube.Tests;

/// <summary>A test class with its own fake API server and a client connected to it.</summary>
public abstract class FakeApiTest : IAsyncLifetime
{
    protected FakeApiServer Server { get; private set; } = null!;

    protected KubeConnection Api { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Server = await FakeApiServer.StartAsync();
        Api = new KubeConnection(KubeClientConfig.ForServer(Server.BaseAddress.ToString()));
    }

    public virtual async Task DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
    }
}
