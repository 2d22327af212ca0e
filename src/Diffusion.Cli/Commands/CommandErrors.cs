using System.CommandLine;

namespace Diffusion.Cli.Commands;

/// <summary>
/// Runs a parsed command line and turns what no command handled into an exit code: a full disk, an output
/// path under a file or a folder it may not write gets one "error:" line instead of a stack trace.
/// </summary>
public static class CommandErrors
{
    public const int Failed = 1;
    public const int Interrupted = 130;

    public static async Task<int> InvokeAsync(ParseResult parse, InvocationConfiguration? configuration = null)
    {
        var config = configuration ?? new InvocationConfiguration();
        config.EnableDefaultExceptionHandler = false;
        var error = config.Error ?? Console.Error;
        try
        {
            return await parse.InvokeAsync(config);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted");
            return Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
        catch (Exception e)
        {
            // a bug, not the user's input: keep the whole trace for the report
            await error.WriteLineAsync($"unexpected error: {e}");
            return Failed;
        }
    }
}
