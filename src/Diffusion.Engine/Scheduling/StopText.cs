namespace Diffusion.Engine.Scheduling;

/// <summary>Stop-sequence matching on decoded text, and how much of unfinished text is safe to stream.</summary>
internal static class StopText
{
    /// <summary>Index of the earliest stop sequence in <paramref name="text"/>, or -1.</summary>
    public static int FindFirst(string text, IReadOnlyList<string> stops)
    {
        int first = -1;
        foreach (string stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        return first;
    }

    /// <summary>
    /// The prefix of <paramref name="text"/> that later tokens cannot change: it holds back an
    /// incomplete UTF-8 character (decoded as U+FFFD) and any tail that could begin a stop sequence.
    /// </summary>
    public static string Streamable(string text, IReadOnlyList<string> stops)
    {
        int end = text.Length;
        while (end > 0 && text[end - 1] == '\uFFFD')
        {
            end--;
        }

        int keep = end;
        foreach (string stop in stops)
        {
            for (int len = Math.Min(stop.Length - 1, end); len > 0; len--)
            {
                if (string.CompareOrdinal(text, end - len, stop, 0, len) == 0)
                {
                    keep = Math.Min(keep, end - len);
                    break;
                }
            }
        }

        return text[..keep];
    }
}
