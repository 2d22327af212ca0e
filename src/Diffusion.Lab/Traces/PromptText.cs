

namespace Diffusion.Lab.Traces;

/// <summary>
/// How prompts are compared in trace statistics, the same as scripts/derive-trace-params.py:
/// lower-cased, whitespace collapsed, split into words.
/// </summary>
public static class PromptText
{
    public static string Normalize(string prompt) =>
        string.Join(' ', prompt.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public static string[] Words(string normalized) =>
        normalized.Length == 0 ? [] : normalized.Split(' ');

    /// <summary>
    /// False for log fragments that are not prompts: fewer than two words, or a leading flag
    /// ("--uplight"); the Midjourney log is half such fragments.
    /// </summary>
    public static bool IsUserPrompt(string normalized)
    {
        var words = Words(normalized);
        return words.Length >= 2 && !words[0].StartsWith('-') && !words[0].StartsWith('\u2014');
    }
}
