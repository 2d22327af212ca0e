using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Diffusion.Engine.Text;

/// <summary>
/// CLIP's byte-level BPE encoder: HTML-unescape, collapse whitespace, lower-case, split with CLIP's
/// pattern, map each word's UTF-8 bytes to printable characters with <c>&lt;/w&gt;</c> on the last,
/// then repeatedly merge every occurrence of the lowest-ranked adjacent pair.
/// Minimal and engine-internal; the shared tokenizer lives in Diffusion.Inference.
/// </summary>
internal sealed partial class ClipBpeTokenizer(ClipBpeVocabulary vocabulary)
{
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public ClipBpeVocabulary Vocabulary => vocabulary;

    public int[] Encode(string text)
    {
        string clean = Whitespace().Replace(WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)), " ").Trim().ToLowerInvariant();
        var ids = new List<int>();
        foreach (Match word in Words().Matches(clean))
        {
            ids.AddRange(EncodeWord(word.Value));
        }

        return ids.ToArray();
    }

    private int[] EncodeWord(string word)
    {
        if (_cache.TryGetValue(word, out int[]? cached))
        {
            return cached;
        }

        if (word is ClipBpeVocabulary.StartOfText or ClipBpeVocabulary.EndOfText)
        {
            return _cache[word] = [vocabulary.Encoder[word]];
        }

        byte[] bytes = Encoding.UTF8.GetBytes(word);
        var symbols = new List<string>(bytes.Length);
        foreach (byte b in bytes)
        {
            symbols.Add(ClipByteMap.ByteToChar[b].ToString());
        }

        symbols[^1] += ClipBpeVocabulary.EndOfWord;
        while (symbols.Count > 1)
        {
            (string, string)? best = null;
            int bestRank = int.MaxValue;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (vocabulary.Ranks.TryGetValue((symbols[i], symbols[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (symbols[i], symbols[i + 1]);
                }
            }

            if (best is not { } pair)
            {
                break;
            }

            var merged = new List<string>(symbols.Count);
            for (int i = 0; i < symbols.Count; i++)
            {
                if (i + 1 < symbols.Count && symbols[i] == pair.Item1 && symbols[i + 1] == pair.Item2)
                {
                    merged.Add(pair.Item1 + pair.Item2);
                    i++;
                }
                else
                {
                    merged.Add(symbols[i]);
                }
            }

            symbols = merged;
        }

        var ids = new int[symbols.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            if (!vocabulary.Encoder.TryGetValue(symbols[i], out ids[i]))
            {
                throw new InvalidDataException($"BPE produced '{symbols[i]}', which the vocabulary lacks");
            }
        }

        return _cache[word] = ids;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Words();
}
