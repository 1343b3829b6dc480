using System.Globalization;
using Stratum.Benchmarks;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

return args.FirstOrDefault() switch
{
    "native" => await NativeAsync(args[1..]),
    "vm" => await VmAsync(args[1..]),
    "combine" when args.Length >= 3 => Report.Combine(args[1], args[2..]),
    "lvm" => await LvmBenchmark.RunAsync(args[1..]),
    "probe" => await ProbeAsync(args[1..]),
    _ => Usage(),
};

// The benchmarks that need no device-mapper: the published binary as a process, and the plugin
// in-process on the LVM simulator.
static async Task<int> NativeAsync(string[] args)
{
    var stratum = Arg(args, "--stratum") ?? throw new ArgumentException("--stratum PATH is required");
    var rounds = Int(args, "--rounds", 5);
    var calls = Int(args, "--calls", 20000);
    var variants = Args(args, "--variant").Select(ParseVariant).ToList();
    if (variants.Count == 0)
    {
        variants.Add(new PluginBenchmark.Variant("as shipped", new Dictionary<string, string>()));
    }

    var report = new Report("native: the published binary, and the plugin on the LVM simulator");
    await PluginBenchmark.RunAsync(report, Path.GetFullPath(stratum), rounds, calls, oneShots: Int(args, "--one-shots", 10), variants);
    await SimulatorBenchmark.RunAsync(report, capacityCalls: Math.Min(calls, 5000));
    report.Finish(Arg(args, "--json"), Context(stratum, rounds, calls));
    return 0;
}

// Sequential Probes over one connection to a plugin that is already running (scripts/hot-methods
// profiles the plugin meanwhile).
static async Task<int> ProbeAsync(string[] args)
{
    var socket = Arg(args, "--socket") ?? throw new ArgumentException("--socket PATH is required");
    using var client = new CsiClient(ServerEndpoint.Parse("unix://" + Path.GetFullPath(socket)));
    var request = new ProbeRequest();
    var calls = Int(args, "--calls", 20000);
    for (var i = 0; i < calls; i++)
    {
        await client.Identity.ProbeAsync(request);
    }

    return 0;
}

// Inside the VM testbed (real LVM): see VmBenchmark.
static async Task<int> VmAsync(string[] args)
{
    var stratum = Arg(args, "--stratum") ?? throw new ArgumentException("--stratum PATH is required");
    var rounds = Int(args, "--rounds", 5);
    var report = new Report("VM testbed: the published binary on real LVM (emulated CPU)");
    await VmBenchmark.RunAsync(report, Path.GetFullPath(stratum), rounds, Int(args, "--concurrent", 32));
    report.Finish(Arg(args, "--json"), Context(stratum, rounds, 0));
    return 0;
}

static Dictionary<string, string> Context(string stratum, int rounds, int calls)
{
    var context = new Dictionary<string, string>
    {
        ["binary"] = Path.GetFullPath(stratum),
        ["binary size"] = $"{new FileInfo(stratum).Length / 1024.0 / 1024.0:0.0} MiB",
        ["rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
        [".NET (benchmark client)"] = Environment.Version.ToString(),
    };
    if (calls > 0)
    {
        context["Probe calls per round"] = calls.ToString(CultureInfo.InvariantCulture);
    }

    return context;
}

// NAME[@BINARY]:VAR=VALUE,VAR=VALUE (environment for the plugin, e.g. DOTNET_GCgen0size=0x400000;
// BINARY instead of --stratum, to compare builds).
static PluginBenchmark.Variant ParseVariant(string text)
{
    var colon = text.IndexOf(':', StringComparison.Ordinal);
    var name = colon < 0 ? text : text[..colon];
    string? binary = null;
    if (name.IndexOf('@', StringComparison.Ordinal) is var at and >= 0)
    {
        binary = Path.GetFullPath(name[(at + 1)..]);
        name = name[..at];
    }

    var environment = colon < 0 ? [] : text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(kv => kv.Split('=', 2))
        .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
    return new PluginBenchmark.Variant(name, environment, binary);
}

static string? Arg(string[] args, string name)
{
    var i = Array.LastIndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static IEnumerable<string> Args(string[] args, string name)
{
    for (var i = 0; i + 1 < args.Length; i++)
    {
        if (args[i] == name)
        {
            yield return args[i + 1];
        }
    }
}

static int Int(string[] args, string name, int fallback) =>
    Arg(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Stratum.Benchmarks native --stratum PATH [--rounds N] [--calls N] [--one-shots N] [--variant NAME[@BINARY]:VAR=V,...]... [--json FILE]
               Stratum.Benchmarks vm --stratum PATH [--rounds N] [--concurrent N] [--json FILE]   (inside the testbed)
               Stratum.Benchmarks combine OUT.json IN.json...
               Stratum.Benchmarks lvm [--reps N] [--devices DEV,DEV...] [--yes-wipe-devices] [--process-only]
               Stratum.Benchmarks probe --socket PATH [--calls N]
          benchmarks/run runs native and (with --vm) vm, and combines their JSON; see README.md, "Performance".
          native   the published binary: start to socket, idle RSS, Probe p50/p99, RSS after the calls,
                   one-shot `stratum csi probe` (interleaved rounds, medians; --variant compares
                   environments such as GC settings); the plugin in-process on the LVM simulator:
                   LVM calls per RPC, 32 concurrent create/delete, GetCapacity
          vm       real LVM: lvm processes per RPC and per idle refresh, the lifecycle against the same
                   commands run by a shell script, CreateVolume vs bare lvcreate, 32 concurrent create/delete
          lvm      each typed LVM operation (LvmCli) next to a bare Process running the same argv
                   (benchmarks/lvm-in-vm)
          probe    N sequential Probes over one connection to a running plugin (scripts/hot-methods)
        """);
    return 2;
}
