using System.CommandLine;
using Diffusion.Cli.Commands;

var root = new RootCommand("Image generation with approximate caching.");
root.Add(GenerateCommand.Create());
root.Add(new Command("bench", "Benchmarks.") { BenchPipelineCommand.Create() });
root.Add(new Command("eval", "Quality measurements.") { EvalModelCommand.Create() });
root.Add(new Command("calibrate", "Calibrations.") { CalibrateCacheCommand.Create() });
return await root.Parse(args).InvokeAsync();
