using System.Text.Json;
using Diffusion.Inference.Tokenization;

namespace Diffusion.Inference.Tests.Tokenization;

public sealed class ClipTextCleanerTests
{
    /// <summary>
    /// Cleaning composes (NFC) as Python's unicodedata, and so CLIP's reference, does, on 400 strings full of combining
    /// marks, Hangul jamo, singletons and composition exclusions: cleaning a string gives what cleaning its Python NFC
    /// gives (the rest of cleaning, white space and case, is the same on both sides).
    /// </summary>
    [Fact]
    public void Composes_as_pythons_unicodedata_nfc()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.FixtureFile("nfc_reference.json")));
        var failures = new List<string>();
        var count = 0;
        var composed = 0;
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            count++;
            var text = item.GetProperty("text").GetString()!;
            var nfc = item.GetProperty("nfc").GetString()!;
            composed += text == nfc ? 0 : 1;
            var actual = ClipTextCleaner.Clean(text);
            var expected = ClipTextCleaner.Clean(nfc);
            if (actual != expected)
            {
                failures.Add($"{Hex(text)} -> {Hex(actual)}, expected {Hex(expected)}");
            }
        }
        Assert.True(count >= 400);
        Assert.True(composed >= 200, $"only {composed} strings change under NFC");
        Assert.True(failures.Count == 0, $"{failures.Count} differ:\n" + string.Join("\n", failures.Take(10)));
    }

    private static string Hex(string s) => string.Join(" ", s.EnumerateRunes().Select(r => r.Value.ToString("X4")));

    [Theory]
    [InlineData("e\u0301", "\u00e9")]
    [InlineData("\u1100\u1161\u11a8", "\uac01")]
    [InlineData("a\u0323\u0302", "\u1ead")]
    [InlineData("a\u0302\u0323", "\u1ead")]
    [InlineData("\u212b", "\u00e5")]
    [InlineData("\u0958", "\u0915\u093c")]
    [InlineData("\ufb01", "\ufb01")]
    [InlineData("CAFE&#x301;", "caf\u00e9")]
    [InlineData("  plain\t\tASCII \n", "plain ascii")]
    public void Known_cases(string input, string expected)
    {
        Assert.Equal(expected, ClipTextCleaner.Clean(input));
    }
}
