using Stratum.Benchmarks;

return args.FirstOrDefault() switch
{
    "plugin" => await PluginBenchmark.RunAsync(args[1..]),
    "capacity" => await CapacityBenchmark.RunAsync(args[1..]),
    "lvm" => await LvmBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Stratum.Benchmarks plugin --stratum PATH [--calls N] [--runs N]
               Stratum.Benchmarks capacity [--calls N]
               Stratum.Benchmarks lvm [--reps N] [--devices DEV,DEV...] [--yes-wipe-devices]
          plugin   start-to-serving time, Probe round-trip latency and idle RSS of a stratum binary
          capacity GetCapacity round trip over the socket (in-process plugin on the LVM simulator)
          lvm      each typed LVM operation (LvmCli) next to a bare Process running the same argv,
                   on a VG it creates on the devices (default: the testbed's disks; see benchmarks/lvm-in-vm)
        """);
    return 2;
}
