using Stratum.Cli;

return await StratumCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
