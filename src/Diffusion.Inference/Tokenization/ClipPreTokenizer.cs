using System.Buffers;
using System.Globalization;
using System.Text;

namespace Diffusion.Inference.Tokenization;

/// <summary>
/// CLIP's pre-tokenizer pattern
/// <c>&lt;|startoftext|&gt;|&lt;|endoftext|&gt;|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+</c>,
/// written as a scanner over Unicode scalar values. A .NET regex would classify each half of a
/// surrogate pair as Cs, so supplementary letters and digits (𝐀, 𝟏) would split differently from
/// CLIP's Python `regex` module; scanning by <see cref="Rune"/> keeps it exact.
/// </summary>
public static class ClipPreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    /// <summary>Splits cleaned text into (offset, length) pieces; white space between pieces is dropped.</summary>
    public static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int, int)>();
        var i = 0;
        while (i < text.Length)
        {
            var kind = Classify(text, i, out var width);
            if (kind == CharKind.Space)
            {
                i += width;
                continue;
            }
            var rest = text[i..];
            if (rest.StartsWith(StartOfText, StringComparison.Ordinal))
            {
                pieces.Add((i, StartOfText.Length));
                i += StartOfText.Length;
                continue;
            }
            if (rest.StartsWith(EndOfText, StringComparison.Ordinal))
            {
                pieces.Add((i, EndOfText.Length));
                i += EndOfText.Length;
                continue;
            }
            if (text[i] == '\'' && MatchContraction(rest) is var contraction and > 0)
            {
                pieces.Add((i, contraction));
                i += contraction;
                continue;
            }
            var start = i;
            if (kind == CharKind.Number)
            {
                // CLIP takes digits one at a time.
                pieces.Add((i, width));
                i += width;
                continue;
            }
            i += width;
            while (i < text.Length && Classify(text, i, out var w) == kind)
            {
                i += w;
            }
            pieces.Add((start, i - start));
        }
        return pieces;
    }

    private static int MatchContraction(ReadOnlySpan<char> rest)
    {
        foreach (var c in Contractions)
        {
            if (rest.StartsWith(c, StringComparison.Ordinal))
            {
                return c.Length;
            }
        }
        return 0;
    }

    private enum CharKind { Space, Letter, Number, Other }

    private static CharKind Classify(ReadOnlySpan<char> text, int index, out int width)
    {
        if (Rune.DecodeFromUtf16(text[index..], out var rune, out width) != OperationStatus.Done)
        {
            // A lone surrogate: CLIP's pattern puts it with the "other" characters.
            width = 1;
            return CharKind.Other;
        }
        if (Rune.IsWhiteSpace(rune))
        {
            return CharKind.Space;
        }
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharKind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber
                or UnicodeCategory.OtherNumber => CharKind.Number,
            _ => CharKind.Other,
        };
    }
}
