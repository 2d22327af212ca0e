using System.Buffers;
using System.Net;
using System.Text;

namespace Diffusion.Inference.Tokenization;

/// <summary>
/// CLIP's text cleaning before pre-tokenization: HTML-unescape twice, NFC-normalise (ICU, through
/// <see cref="string.Normalize(NormalizationForm)"/>, as ftfy does in OpenAI's reference), collapse runs of Unicode white
/// space to one space, trim, lower-case. Known differences from OpenAI's reference, all rare in prompts: no ftfy
/// beyond NFC (no mojibake repair); lower-casing is per character (Python's final-sigma and dotted-capital-I rules are
/// not applied); a lone surrogate, which Python's UTF-8 would refuse, is kept as it is.
/// </summary>
public static class ClipTextCleaner
{
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = ComposeNfc(WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)));
        var builder = new StringBuilder(normalized.Length);
        var inSpace = false;
        foreach (var ch in normalized)
        {
            // char.IsWhiteSpace is exactly Unicode's White_Space property (Zs/Zl/Zp + the C0/C1 spaces).
            if (char.IsWhiteSpace(ch))
            {
                if (!inSpace)
                {
                    builder.Append(' ');
                }
                inSpace = true;
            }
            else
            {
                builder.Append(ch);
                inSpace = false;
            }
        }
        return builder.ToString().Trim().ToLowerInvariant();
    }

    /// <summary>
    /// NFC. <see cref="string.Normalize(NormalizationForm)"/> throws for a lone surrogate, so the text is normalised in
    /// the well-formed runs between lone surrogates, which stay as they are (a surrogate combines with nothing, so this
    /// is NFC of the rest).
    /// </summary>
    private static string ComposeNfc(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\ud800', '\udfff'))
        {
            return text.Normalize(NormalizationForm.FormC);
        }
        var builder = new StringBuilder(text.Length);
        var start = 0;
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var used) == OperationStatus.Done)
            {
                i += used;
                continue;
            }
            builder.Append(text[start..i].Normalize(NormalizationForm.FormC)).Append(text[i]);
            start = ++i;
        }
        return builder.Append(text[start..].Normalize(NormalizationForm.FormC)).ToString();
    }
}
