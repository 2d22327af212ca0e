using System.Reflection;

namespace Diffusion.Cli.Processes;

/// <summary>This CLI as a command line for a child process (the soak's and the attack bench's <c>serve</c>).</summary>
public static class CliSelf
{
    /// <summary>The apphost itself, or <c>dotnet diffusion.dll</c> when the muxer runs it (./run.sh does).</summary>
    public static (string File, string[] Prefix) Command()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown");
        var entry = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(entry)
            ? (host, [entry])
            : (host, []);
    }
}
