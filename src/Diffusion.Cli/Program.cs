using System.CommandLine;
using Diffusion.Cli.Commands;

var root = new RootCommand("Image generation with approximate caching.");
root.Add(GenerateCommand.Create());
root.Add(new Command("bench", "Benchmarks.") { BenchPipelineCommand.Create(), BenchEngineCommand.Create() });
return await root.Parse(args).InvokeAsync();
