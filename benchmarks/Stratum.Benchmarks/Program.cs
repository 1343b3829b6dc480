using Stratum.Benchmarks;

return args.FirstOrDefault() switch
{
    "plugin" => await PluginBenchmark.RunAsync(args[1..]),
    "capacity" => await CapacityBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Stratum.Benchmarks plugin --stratum PATH [--calls N] [--runs N]
          plugin   start-to-serving time, Probe round-trip latency and idle RSS of a stratum binary
        usage: Stratum.Benchmarks capacity [--calls N]
          capacity GetCapacity round trip over the socket (in-process plugin on the LVM simulator)
        """);
    return 2;
}
