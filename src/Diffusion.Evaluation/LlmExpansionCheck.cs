using Diffusion.Evaluation.World;

namespace Diffusion.Evaluation;

/// <summary>Checks that the LLM's expansions of the loose prompts name the same objects (and counts) in
/// canonical form; the expansion itself is whatever runs the LLM (the engine, in the service).</summary>
public sealed class LlmExpansionCheck(Func<string, CancellationToken, Task<string>> expand, CanonicalPromptParser parser)
{
    public async Task<double> ValidFractionAsync(IReadOnlyList<HeldOutPrompt> prompts, CancellationToken cancellationToken)
    {
        var valid = 0;
        foreach (var p in prompts)
        {
            var output = await expand(p.Loose, cancellationToken).ConfigureAwait(false);
            valid += IsValid(p, parser.ParseLenient(output)) ? 1 : 0;
        }
        return Math.Round((double)valid / prompts.Count, 4);
    }

    public static bool IsValid(HeldOutPrompt prompt, EmojiScene? parsed)
    {
        if (parsed is null)
        {
            return false;
        }
        var want = prompt.Kind == "count"
            ? [(prompt.Objects[0], prompt.Count)]
            : prompt.Objects.Select(o => (o, 1)).ToList();
        var got = parsed.Kind == SceneKind.Count
            ? [(parsed.Items[0].Concept, parsed.Count)]
            : parsed.Items.Select(i => (i.Concept, 1)).ToList();
        return want.OrderBy(x => x.Item1, StringComparer.Ordinal).SequenceEqual(got.OrderBy(x => x.Item1, StringComparer.Ordinal));
    }
}
