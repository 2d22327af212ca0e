using System.Text.Json;
using Diffusion.Inference.Tokenization.Unicode;

namespace Diffusion.Inference.Tests.Tokenization;

public sealed class NfcNormalizerTests
{
    [Fact]
    public void Matches_pythons_unicodedata_nfc()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.FixtureFile("nfc_reference.json")));
        var failures = new List<string>();
        var count = 0;
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            count++;
            var text = item.GetProperty("text").GetString()!;
            var expected = item.GetProperty("nfc").GetString()!;
            var actual = NfcNormalizer.Normalize(text);
            if (actual != expected)
            {
                failures.Add($"{Hex(text)} -> {Hex(actual)}, expected {Hex(expected)}");
            }
        }
        Assert.True(count >= 400);
        Assert.True(failures.Count == 0, $"{failures.Count} differ:\n" + string.Join("\n", failures.Take(10)));
    }

    private static string Hex(string s) => string.Join(" ", s.EnumerateRunes().Select(r => r.Value.ToString("X4")));

    [Theory]
    [InlineData("e\u0301", "\u00e9")]
    [InlineData("\u1100\u1161\u11a8", "\uac01")]
    [InlineData("a\u0323\u0302", "\u1ead")]
    [InlineData("a\u0302\u0323", "\u1ead")]
    [InlineData("\u212b", "\u00c5")]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("\ud800x\u0301", "\ud800x\u0301")]
    public void Known_cases(string input, string expected)
    {
        Assert.Equal(expected, NfcNormalizer.Normalize(input));
    }
}
