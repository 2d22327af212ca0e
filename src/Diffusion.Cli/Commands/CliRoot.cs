using System.CommandLine;

namespace Diffusion.Cli.Commands;

/// <summary>The <c>diffusion</c> command tree: every command the CLI offers.</summary>
public static class CliRoot
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Image generation with approximate caching: serve the API or run tools.");
        root.Add(ServeCommand.Create());
        root.Add(KeysCommand.Create());
        root.Add(GenerateCommand.Create());
        root.Add(new Command("bench", "Benchmarks that print ratios against a baseline run side by side.")
        {
            BenchPipelineCommand.Create(), BenchEngineCommand.Create(), BenchCacheCommand.Create(), BenchAttacksCommand.Create(), BenchSloCommand.Create(), BenchJoinCommand.Create(), BenchClusterCommand.Create(),
        });
        root.Add(new Command("eval", "Quality measurements with the judge.") { EvalModelCommand.Create(), EvalCacheCommand.Create(), EvalAdaptiveKCommand.Create(), EvalVariationCommand.Create(), EvalExpansionCommand.Create() });
        root.Add(TraceCommand.Create());
        root.Add(ReplayCommand.Create());
        root.Add(SoakCommand.Create());
        root.Add(new Command("calibrate", "Calibrations.") { CalibrateCacheCommand.Create(), CalibrateReuseCommand.Create() });
        return root;
    }
}
