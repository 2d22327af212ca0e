using System.Diagnostics;

namespace Diffusion.Cli.Soak;

/// <summary>Runs a short system command (mount, umount) and returns its exit code and what it printed.</summary>
public static class ShortCommand
{
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{file} did not finish within {timeout.TotalSeconds:0} s");
            }
            return (process.ExitCode, (output.Result + error.Result).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"cannot run {file}: {e.Message}");
        }
    }
}
