using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Diffusion.Cli.Commands;
using Diffusion.Inference.Models;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

/// <summary>What a user meets before any request: help text, the guidance default, and how fast ./run.sh answers.</summary>
public sealed partial class CliSurfaceTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("diffusion-cli-surface-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    public static TheoryData<string> CommandPaths()
    {
        var paths = new TheoryData<string>();
        void Walk(Command command, string path)
        {
            paths.Add(path);
            foreach (var child in command.Subcommands) Walk(child, (path + " " + child.Name).Trim());
        }
        Walk(CliRoot.Create(), "");
        return paths;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task Help_states_each_default_once(string path)
    {
        var output = new StringWriter();
        string[] args = [.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"];
        var code = await CliRoot.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(0, code);
        var help = output.ToString();
        Assert.Contains("Usage:", help);
        var doubled = help.Split('\n').Where(line => DefaultMarker().Matches(line).Count > 1).ToList();
        Assert.True(doubled.Count == 0, "defaults stated twice:\n" + string.Join("\n", doubled));
    }

    [Fact]
    public void One_guidance_default_the_models_own_else_stable_diffusions()
    {
        // The shipped family recommends its own scale (model_index.json generation_defaults) ...
        var shipped = ModelFolder.Open(Fixtures.ShippedModel);
        Assert.NotNull(shipped.RecommendedGuidanceScale);
        Assert.Equal(shipped.RecommendedGuidanceScale!.Value, shipped.DefaultGuidanceScale);
        // ... a Stable Diffusion export says nothing, and every entry point then uses SD's 7.5.
        var export = ModelFolder.Open(Fixtures.ConformanceModel);
        Assert.Null(export.RecommendedGuidanceScale);
        Assert.Equal(ModelFolder.StableDiffusionGuidanceScale, export.DefaultGuidanceScale);
    }

    [Fact]
    public async Task Setup_skips_the_build_while_no_source_changed_since_the_last_one()
    {
        // A miniature checkout with the real setup script: the stamp logic only looks at files and times.
        var repo = Directory.CreateDirectory(Path.Combine(directory, "repo")).FullName;
        Directory.CreateDirectory(Path.Combine(repo, "scripts"));
        File.Copy(Path.Combine(Fixtures.RepoRoot(), "scripts", "setup.sh"), Path.Combine(repo, "scripts", "setup.sh"));
        foreach (var dir in new[] { "src/App", "src/App/bin/Release", "tests", "kernels/faiss/build", "web" })
            Directory.CreateDirectory(Path.Combine(repo, dir));
        await File.WriteAllTextAsync(Path.Combine(repo, "src/App/Program.cs"), "// source");
        await File.WriteAllTextAsync(Path.Combine(repo, "kernels/faiss/build/libdiffusion_faiss.so"), "");

        Assert.Equal("build", await ChangedSinceBuildAsync(repo));   // never built
        Directory.CreateDirectory(Path.Combine(repo, "src/Diffusion.Cli/bin/Release"));
        var stamp = Path.Combine(repo, "src/Diffusion.Cli/bin/Release/.build-stamp");
        await File.WriteAllTextAsync(stamp, "");
        File.SetLastWriteTimeUtc(stamp, DateTime.UtcNow.AddMinutes(-1));   // clear of the file clock's granularity
        File.SetLastWriteTimeUtc(Path.Combine(repo, "src/App/Program.cs"), DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal("skip", await ChangedSinceBuildAsync(repo));
        // Build outputs newer than the stamp do not count; an edited source does.
        await File.WriteAllTextAsync(Path.Combine(repo, "src/App/bin/Release/App.dll"), "");
        Assert.Equal("skip", await ChangedSinceBuildAsync(repo));
        await File.WriteAllTextAsync(Path.Combine(repo, "web/app.js"), "// edited");
        Assert.Equal("build", await ChangedSinceBuildAsync(repo));
    }

    private static async Task<string> ChangedSinceBuildAsync(string repo)
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", "source scripts/setup.sh && if sources_changed_since_build; then echo build; else echo skip; fi" },
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CONFIGURATION"] = "Release";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return output.Trim();
    }

    [GeneratedRegex(@"\[default: ")]
    private static partial Regex DefaultMarker();
}
