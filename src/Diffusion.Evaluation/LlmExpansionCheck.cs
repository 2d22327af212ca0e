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
            valid += IsValid(p, parser.Parse(output)) ? 1 : 0;
        }
        return Math.Round((double)valid / prompts.Count, 4);
    }

    public static bool IsValid(HeldOutPrompt prompt, CanonicalPrompt? parsed)
    {
        if (parsed is null)
        {
            return false;
        }
        var want = prompt.Kind == "count"
            ? [(prompt.Objects[0], prompt.Count)]
            : prompt.Objects.Select(o => (o, 1)).ToList();
        return want.OrderBy(x => x.Item1, StringComparer.Ordinal).SequenceEqual(
            parsed.Objects.OrderBy(x => x.Concept, StringComparer.Ordinal).Select(x => (x.Concept, x.Count)));
    }
}
