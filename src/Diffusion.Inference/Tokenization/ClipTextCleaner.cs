using System.Net;
using System.Text;
using Diffusion.Inference.Tokenization.Unicode;

namespace Diffusion.Inference.Tokenization;

/// <summary>
/// CLIP's text cleaning before pre-tokenization: HTML-unescape twice, collapse runs of Unicode white
/// space to one space, trim, lower-case. Known differences from OpenAI's reference, all rare in prompts:
/// no ftfy, so no NFC normalisation (the service runs with invariant globalization, where .NET has no
/// normaliser; a decomposed "é" tokenizes differently from "é"); lower-casing is per character
/// (Python's final-sigma and dotted-capital-I rules are not applied).
/// </summary>
public static class ClipTextCleaner
{
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = NfcNormalizer.Normalize(WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)));
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
}
