using System.Text.Json;
using Diffusion.Engine;
using Diffusion.Engine.Text;

namespace Diffusion.Lab.EngineBench;

/// <summary>One prompt-expansion request of a benchmark: the formatted prompt and how many tokens it generates.</summary>
public sealed record ExpansionRequest(string Loose, int[] Prompt, int OutputTokens);

/// <summary>
/// The LLM's real workload: loose prompts in the expansion format (<c>&lt;|startoftext|&gt;</c> + instruction +
/// " " + loose + " =&gt;"), each generating as many tokens as its canonical prompt has, plus end-of-text. The
/// pairs come from the model folder's held-out set (<c>eval/heldout.jsonl</c>: <c>loose</c>, <c>prompt</c>), each
/// loose prompt once, topped up with <see cref="SyntheticExpansionPairs"/> when the set is shorter than the load
/// (or absent), so a checkout without it still runs and no prompt repeats. Output lengths are fixed per request
/// (end-of-text ignored) so every run, with trained or untrained weights, holds the same tokens.
/// </summary>
public static class ExpansionWorkload
{
    /// <summary>Exactly <paramref name="count"/> pairs with distinct loose prompts, and where they came from.</summary>
    public static (IReadOnlyList<(string Loose, string Canonical)> Pairs, string Source) LoadPairs(string? modelsDirectory, int count, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        string? path = modelsDirectory is null ? null : Path.Combine(modelsDirectory, "eval", "heldout.jsonl");
        var pairs = new List<(string Loose, string Canonical)>();
        if (path is not null && File.Exists(path))
        {
            pairs.AddRange(ReadHeldOut(path).DistinctBy(p => p.Loose).Take(count));
        }

        int real = pairs.Count;
        pairs.AddRange(SyntheticExpansionPairs.Generate(count - real, seed, pairs.SelectMany(p => new[] { p.Loose, "=" + p.Canonical }).ToHashSet()));
        string source = real == 0
            ? $"{count} synthetic pairs (no eval/heldout.jsonl in the model folder)"
            : real == count ? $"{count} pairs of {path}" : $"{real} pairs of {path} + {count - real} synthetic pairs";
        return (pairs, source);
    }

    private static List<(string Loose, string Canonical)> ReadHeldOut(string path)
    {
        var pairs = new List<(string, string)>();
        foreach (string line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            using var doc = JsonDocument.Parse(line);
            JsonElement row = doc.RootElement;
            if (row.TryGetProperty("loose", out JsonElement loose) && row.TryGetProperty("prompt", out JsonElement canonical)
                && loose.GetString() is { Length: > 0 } l && canonical.GetString() is { Length: > 0 } c)
            {
                pairs.Add((l, c));
            }
        }

        if (pairs.Count == 0)
        {
            throw new InvalidDataException($"{path}: no rows with both 'loose' and 'prompt'");
        }

        return pairs;
    }

    /// <summary>One request per pair; outputs capped by the model's positions.</summary>
    public static IReadOnlyList<ExpansionRequest> Build(IReadOnlyList<(string Loose, string Canonical)> pairs, LlmTextCodec codec, int maxPositions)
    {
        var requests = new List<ExpansionRequest>(pairs.Count);
        foreach ((string loose, string canonical) in pairs)
        {
            int[] prompt = codec.EncodePrompt(loose);
            int room = maxPositions - prompt.Length;
            if (room < 1)
            {
                throw new InvalidDataException($"the expansion prompt for '{loose}' has {prompt.Length} tokens; the LLM holds {maxPositions}");
            }

            requests.Add(new ExpansionRequest(loose, prompt, Math.Min(room, codec.Encode(canonical).Length + 1)));
        }

        return requests;
    }
}
