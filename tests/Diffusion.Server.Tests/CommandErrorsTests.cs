using System.CommandLine;
using Diffusion.Cli.Commands;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

/// <summary>What the CLI says when the machine, not the input, refuses: one clear line and exit code 1, no stack trace.</summary>
public sealed class CommandErrorsTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("diffusion-cli-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Generate_into_a_path_it_cannot_write_fails_with_one_clear_line_and_leaves_no_file()
    {
        // a regular file where the output's folder should be: creating the folder fails with an IOException
        var blocker = Path.Combine(directory, "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var error = new StringWriter();

        var code = await CommandErrors.InvokeAsync(
            GenerateCommand.Create().Parse(["a fox", "-o", Path.Combine(blocker, "out.png"), "--steps", "2", "--threads", "1",
                "--models", Fixtures.ConformanceModel]),
            new InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(CommandErrors.Failed, code);
        var message = error.ToString();
        Assert.StartsWith("error: ", message);
        Assert.Contains("a-file", message);
        Assert.DoesNotContain("   at ", message);
        Assert.Equal(["a-file"], Directory.GetFileSystemEntries(directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_bug_keeps_its_stack_trace_and_exit_code_1()
    {
        var command = new Command("boom");
        command.SetAction(int (_) => throw new InvalidOperationException("a bug"));
        var error = new StringWriter();

        var code = await CommandErrors.InvokeAsync(command.Parse([]), new InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(CommandErrors.Failed, code);
        Assert.StartsWith("unexpected error: System.InvalidOperationException: a bug", error.ToString());
        Assert.Contains("   at ", error.ToString());
    }
}
