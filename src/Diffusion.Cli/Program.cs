using System.CommandLine;
using Diffusion.Cli.Commands;

// With no arguments the service starts, so `./run.sh` alone serves.
if (args.Length == 0) args = [ServeCommand.Name];

var root = new RootCommand("Image generation with approximate caching: serve the API or run tools.");
root.Add(ServeCommand.Create());
root.Add(GenerateCommand.Create());
root.Add(new Command("bench", "Benchmarks that print ratios against a baseline run side by side.")
{
    BenchPipelineCommand.Create(), BenchEngineCommand.Create(), BenchCacheCommand.Create(),
});
root.Add(new Command("eval", "Quality measurements with the judge.") { EvalModelCommand.Create(), EvalCacheCommand.Create() });
root.Add(TraceCommand.Create());
root.Add(ReplayCommand.Create());
root.Add(new Command("calibrate", "Calibrations.") { CalibrateCacheCommand.Create() });
return await CommandErrors.InvokeAsync(root.Parse(args));
