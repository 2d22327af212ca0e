using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Diffusion.Inference.Tokenization;

namespace Diffusion.Inference.Tests.Tokenization;

public sealed class ClipTokenizerTests
{
    private static readonly ClipTokenizer Tokenizer = ClipTokenizer.Load(Path.Combine(TestPaths.FixtureModel, "tokenizer"));

    [Fact]
    public void Ids_match_the_independent_python_reference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.FixtureFile("tokenizer_reference.json")));
        var failures = new List<string>();
        var checkedCases = 0;
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            var text = item.TryGetProperty("text", out var t)
                ? t.GetString()!
                : string.Concat(Enumerable.Repeat(item.GetProperty("text_repeat").GetProperty("unit").GetString(),
                    item.GetProperty("text_repeat").GetProperty("times").GetInt32()));
            var expected = item.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var result = Tokenizer.Encode(text);
            checkedCases++;
            if (!result.Ids.SequenceEqual(expected)
                || result.Truncated != item.GetProperty("truncated").GetBoolean()
                || result.TokenCount != item.GetProperty("token_count").GetInt32())
            {
                failures.Add($"{JsonSerializer.Serialize(text[..Math.Min(60, text.Length)])}: got [{string.Join(",", result.Ids.Take(result.TokenCount))}] " +
                             $"count {result.TokenCount}, expected [{string.Join(",", expected.Take(item.GetProperty("token_count").GetInt32()))}]");
            }
        }
        Assert.True(checkedCases > 300, $"only {checkedCases} reference cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCases} differ:\n" + string.Join("\n", failures.Take(15)));
    }

    [Fact]
    public void Result_is_always_77_ids_with_bos_first_and_eos_after_the_body()
    {
        var r = Tokenizer.Encode("a cat");
        Assert.Equal(ClipTokenizer.ContextLength, r.Ids.Length);
        Assert.Equal(Tokenizer.StartOfTextId, r.Ids[0]);
        Assert.Equal(Tokenizer.EndOfTextId, r.Ids[r.TokenCount - 1]);
        Assert.All(r.Ids[r.TokenCount..], id => Assert.Equal(Tokenizer.PadId, id));
        Assert.False(r.Truncated);
    }

    [Fact]
    public void Over_long_prompt_is_truncated_keeping_bos_and_eos()
    {
        var prompt = string.Join(' ', Enumerable.Range(0, 200).Select(i => "word" + (i % 10)));
        var r = Tokenizer.Encode(prompt);
        Assert.True(r.Truncated);
        Assert.True(r.TokenCount > ClipTokenizer.ContextLength);
        Assert.Equal(Tokenizer.EncodeBody(prompt).Count + 2, r.TokenCount);
        Assert.Equal(ClipTokenizer.ContextLength, r.Ids.Length);
        Assert.Equal(Tokenizer.StartOfTextId, r.Ids[0]);
        Assert.Equal(Tokenizer.EndOfTextId, r.Ids[^1]);
        Assert.Equal(Tokenizer.EncodeBody(prompt).Take(75), r.Ids[1..76]);
    }

    [Fact]
    public void Exactly_full_context_is_not_truncated()
    {
        // Digits are one token each in CLIP, so 75 digits fill the context exactly.
        var r = Tokenizer.Encode(new string('7', 75));
        Assert.False(r.Truncated);
        Assert.Equal(77, r.TokenCount);
        var over = Tokenizer.Encode(new string('7', 76));
        Assert.True(over.Truncated);
        Assert.Equal(78, over.TokenCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t\n  ")]
    [InlineData("😀🐱‍👤👍🏽")]
    [InlineData("\ud800 lone surrogate \udfff")]
    [InlineData("\0\u0001 control")]
    [InlineData("&amp;&amp;&amp;")]
    public void Weird_input_never_throws_and_keeps_the_frame(string prompt)
    {
        var r = Tokenizer.Encode(prompt);
        Assert.Equal(ClipTokenizer.ContextLength, r.Ids.Length);
        Assert.Equal(Tokenizer.StartOfTextId, r.Ids[0]);
        Assert.Contains(Tokenizer.EndOfTextId, r.Ids);
        Assert.All(r.Ids, id => Assert.InRange(id, 0, Tokenizer.VocabularySize - 1));
    }

    [Fact]
    public void Empty_and_whitespace_prompts_are_bos_eos_then_padding()
    {
        foreach (var prompt in new[] { "", "   ", "\n\t" })
        {
            var r = Tokenizer.Encode(prompt);
            Assert.Equal(2, r.TokenCount);
            Assert.Equal(Tokenizer.EndOfTextId, r.Ids[1]);
        }
    }

    [Fact]
    public void Hundred_kilobyte_prompts_are_handled_quickly()
    {
        var words = string.Concat(Enumerable.Repeat("a photo of a cat, ", 100_000 / 18));
        var oneWord = new string('x', 100_000);
        var mixed = string.Concat(Enumerable.Repeat("😀ab1!", 100_000 / 6));
        var watch = Stopwatch.StartNew();
        foreach (var prompt in new[] { words, oneWord, mixed })
        {
            var r = Tokenizer.Encode(prompt);
            Assert.True(r.Truncated);
            Assert.Equal(Tokenizer.EndOfTextId, r.Ids[^1]);
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Pad_token_comes_from_special_tokens_map_when_given()
    {
        var dir = Directory.CreateTempSubdirectory("cliptok");
        try
        {
            var source = Path.Combine(TestPaths.FixtureModel, "tokenizer");
            File.Copy(Path.Combine(source, "vocab.json"), Path.Combine(dir.FullName, "vocab.json"));
            File.Copy(Path.Combine(source, "merges.txt"), Path.Combine(dir.FullName, "merges.txt"));
            File.WriteAllText(Path.Combine(dir.FullName, "special_tokens_map.json"),
                """{"pad_token": {"content": "!", "lstrip": false}}""", Encoding.UTF8);
            var tok = ClipTokenizer.Load(dir.FullName);
            var r = tok.Encode("a cat");
            Assert.NotEqual(tok.EndOfTextId, tok.PadId);
            Assert.Equal(tok.PadId, r.Ids[^1]);
            Assert.Equal(tok.EndOfTextId, r.Ids[r.TokenCount - 1]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Missing_files_give_a_clear_error()
    {
        var dir = Directory.CreateTempSubdirectory("cliptok-empty");
        try
        {
            var ex = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.Load(dir.FullName));
            Assert.Contains("vocab.json", ex.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
