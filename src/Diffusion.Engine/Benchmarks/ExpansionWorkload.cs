using System.Text.Json;
using Diffusion.Engine.Text;

namespace Diffusion.Engine.Benchmarks;

/// <summary>One prompt-expansion request of a benchmark: the formatted prompt and how many tokens it generates.</summary>
public sealed record ExpansionRequest(string Loose, int[] Prompt, int OutputTokens);

/// <summary>
/// The LLM's real workload: loose prompts in the expansion format (<c>&lt;|startoftext|&gt;</c> + instruction +
/// " " + loose + " =&gt;"), each generating as many tokens as its canonical prompt has, plus end-of-text. The
/// pairs come from the model folder's held-out set (<c>eval/heldout.jsonl</c>: <c>loose</c>, <c>prompt</c>)
/// when it has one, else from a few built-in pairs of the same kind, so a checkout without it still runs.
/// Output lengths are fixed per request (end-of-text ignored) so every run, with trained or untrained
/// weights, holds the same tokens.
/// </summary>
public static class ExpansionWorkload
{
    private static readonly (string Loose, string Canonical)[] BuiltIn =
    [
        ("Show me a moon at the right on a white background!", "a small moon on the right on a white gradient background"),
        ("small spoon", "a small spoon on the left on a pink background"),
        ("draw me a train in the top left corner on a cyan background", "a train in the top left corner on a teal background"),
        ("two kitties", "two cats on a yellow background"),
        ("a doggo left of a bike, striped bg", "a dog to the left of a bicycle on a blue striped background"),
        ("picture of sun over a house", "a sun above a house on an orange background"),
        ("3 apples please", "three apples on a green dotted background"),
        ("big rocket bottom right, black", "a large rocket in the bottom right corner on a black background"),
        ("a heart and a star", "a heart and a star on a purple background"),
        ("tiny car in the centre on grey", "a small car in the centre on a gray background"),
        ("an umbrella, a clock and a tree", "an umbrella, a clock and a tree on a red gradient background"),
        ("boat at the top", "a boat at the top on a white background"),
    ];

    /// <summary>(loose, canonical) pairs and where they came from.</summary>
    public static (IReadOnlyList<(string Loose, string Canonical)> Pairs, string Source) LoadPairs(string? modelsDirectory)
    {
        string? path = modelsDirectory is null ? null : Path.Combine(modelsDirectory, "eval", "heldout.jsonl");
        if (path is null || !File.Exists(path))
        {
            return (BuiltIn, "built-in pairs (no eval/heldout.jsonl in the model folder)");
        }

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

        return (pairs, path);
    }

    /// <summary><paramref name="count"/> requests cycling through the pairs; outputs capped by the model's positions.</summary>
    public static IReadOnlyList<ExpansionRequest> Build(IReadOnlyList<(string Loose, string Canonical)> pairs, LlmTextCodec codec,
        int maxPositions, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var requests = new List<ExpansionRequest>(count);
        for (int i = 0; i < count; i++)
        {
            (string loose, string canonical) = pairs[i % pairs.Count];
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
