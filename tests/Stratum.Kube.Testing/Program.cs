using System.Globalization;
using Stratum.Kube.Testing;

// Runs the fake API server by hand: dotnet run --project tests/Stratum.Kube.Testing -- [--port 8001] [--seed FILE.json]...
// then: kubectl --server http://127.0.0.1:8001 get nodes
var port = 8001;
var seeds = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--seed" when i + 1 < args.Length:
            seeds.Add(args[++i]);
            break;
        default:
            await Console.Error.WriteLineAsync("usage: Stratum.Kube.Testing [--port PORT] [--seed FILE.json]...").ConfigureAwait(false);
            return 2;
    }
}

await using var server = await FakeApiServer.StartAsync(port).ConfigureAwait(false);
foreach (var seed in seeds)
{
    var count = await Seeding.LoadAsync(server, seed).ConfigureAwait(false);
    Console.WriteLine($"seeded {count} objects from {seed}");
}

Console.WriteLine($"fake Kubernetes API server on {server.BaseAddress} (Ctrl-C to stop)");
Console.WriteLine($"  kubectl --server {server.BaseAddress.ToString().TrimEnd('/')} get nodes");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
try
{
    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
}
catch (OperationCanceledException)
{
}

return 0;
