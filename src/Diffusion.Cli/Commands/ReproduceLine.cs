using System.CommandLine;

namespace Diffusion.Cli.Commands;

/// <summary>The command line that reproduces a run, for the reports it writes; tokens a shell would split or expand are quoted.</summary>
internal static class ReproduceLine
{
    public static string Of(ParseResult parse) =>
        "./run.sh " + string.Join(" ", parse.Tokens.Select(t => t.Value).Select(Quote));

    private static string Quote(string token) =>
        token.Length > 0 && token.All(ch => char.IsLetterOrDigit(ch) || "-_./=:".Contains(ch)) ? token : $"'{token.Replace("'", "'\\''")}'";
}
