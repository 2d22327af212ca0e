using System.Text.Json;
using Diffusion.Engine.Llm;
using Diffusion.Engine.Tests.Denoising;
using Diffusion.Engine.Text;

namespace Diffusion.Engine.Tests.Llm;

/// <summary>
/// The shipped LLM's token ids on a fixed corpus: every held-out prompt (canonical and loose), the loose prompts in
/// new styles, and strings that stress the tokenizer (accents, combining marks, CJK, emoji, HTML entities,
/// apostrophes, digits, runs of punctuation and whitespace). tests/fixtures/llm-tokens/golden.json holds the ids and
/// the decoded text as the engine's own hand-written tokenizer gave them when the file was made; the codec now uses the
/// shared Microsoft.ML.Tokenizers-based <c>ClipTokenizer</c> and must keep them identical, or the shipped LLM reads
/// different tokens than it was trained on. One text differs on purpose (<see cref="ComposedOnPurpose"/>).
/// Remake the file only on purpose: DIFFUSION_WRITE_LLM_GOLDEN=1 dotnet test --filter LlmTokenGolden.
/// </summary>
public sealed class LlmTokenGoldenTests
{
    private static readonly string GoldenPath = Path.Combine(UnetFixtures.RepoRoot, "tests", "fixtures", "llm-tokens", "golden.json");

    private static readonly string[] Stress =
    [
        "café crème brûlée", "cafe\u0301 (a combining acute)", "Ångström naïve façade", "東京の猫 on a red background",
        "a 🐱 and a 🐶 🙏", "tom &amp; jerry &lt;3 &quot;quoted&quot;", "it's the cat's toy, isn't it? we'll see, they'd go",
        "3 cats, 12 dogs and 1,000,000 ants", "!!! ... --- ??? ;;;", "  lots\tof \n\n whitespace   ", "UPPER lower MiXeD",
        "<|startoftext|>a cat<|endoftext|>", "x", "",
    ];

    /// <summary>
    /// A decomposed "e + combining acute": the shared tokenizer composes it (NFC) before BPE, as CLIP's Python tokenizer
    /// does through ftfy, and the old hand-written one did not, so it now gets the ids of "café" like the composed form.
    /// </summary>
    private const string ComposedOnPurpose = "cafe\u0301 (a combining acute)";

    [Fact]
    public void The_shipped_llm_codec_keeps_its_token_ids_on_the_fixed_corpus()
    {
        var models = Path.Combine(UnetFixtures.RepoRoot, "models");
        var codec = LlmTextCodec.Load(Path.Combine(models, "tokenizer"), LlmConfig.Load(Path.Combine(models, "llm", "config.json")));
        var corpus = Corpus(models);
        var actual = corpus.Select(text => new GoldenCase(text, codec.Encode(text), codec.Decode(codec.Encode(text)))).ToList();

        if (Environment.GetEnvironmentVariable("DIFFUSION_WRITE_LLM_GOLDEN") == "1")
        {
            File.WriteAllText(GoldenPath, JsonSerializer.Serialize(actual, new JsonSerializerOptions { WriteIndented = false }) + "\n");
        }

        var golden = JsonSerializer.Deserialize<List<GoldenCase>>(File.ReadAllText(GoldenPath))!;
        Assert.Equal(golden.Count, actual.Count);
        Assert.True(golden.Count > 1000, $"the corpus has only {golden.Count} texts");
        for (var i = 0; i < golden.Count; i++)
        {
            Assert.Equal(golden[i].Text, actual[i].Text);
            if (golden[i].Text == ComposedOnPurpose)
            {
                Assert.Equal(codec.Encode("caf\u00e9 (a combining acute)"), actual[i].Ids);
                continue;
            }
            Assert.True(golden[i].Ids.SequenceEqual(actual[i].Ids), $"ids of '{golden[i].Text}' changed");
            Assert.Equal(golden[i].Decoded, actual[i].Decoded);
        }
    }

    private static List<string> Corpus(string models)
    {
        var texts = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(models, "eval", "heldout.jsonl")))
        {
            using var row = JsonDocument.Parse(line);
            texts.Add(row.RootElement.GetProperty("prompt").GetString()!);
            texts.Add(row.RootElement.GetProperty("loose").GetString()!);
        }
        foreach (var line in File.ReadLines(Path.Combine(models, "eval", "loose-styles.jsonl")))
        {
            using var row = JsonDocument.Parse(line);
            texts.Add(row.RootElement.GetProperty("prompt").GetString()!);
        }
        texts.AddRange(Stress);
        return texts;
    }

    public sealed record GoldenCase(string Text, int[] Ids, string Decoded);
}
