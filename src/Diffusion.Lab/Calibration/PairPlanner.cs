using Diffusion.Cache.Embeddings;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Calibration;

/// <summary>A planned pair: source and target scenes and prompts, and the seed both runs use.</summary>
public sealed record PlannedPair(EmojiScene SourceScene, string Source, EmojiScene TargetScene, string Target, PairRelation Relation, ulong Seed);

/// <summary>
/// Chooses source → target pairs from the held-out prompts: a source, then a different but similar target —
/// an edit of one attribute (45 %), of two (20 %) — object, colour, position or relation, count, size, texture —, or one of the source's five nearest held-out prompts by
/// CLIP text similarity (35 %) — so the similarities spread over the range a cache sees.
/// </summary>
public static class PairPlanner
{
    public static IReadOnlyList<PlannedPair> Plan(IReadOnlyList<(EmojiScene Scene, string Prompt, int Index)> heldOut,
        IReadOnlyList<float[]> unitEmbeddings, SceneEditor editor, CanonicalPromptWriter writer, int count, TraceRandom random)
    {
        if (heldOut.Count < 2 || unitEmbeddings.Count != heldOut.Count)
        {
            throw new ArgumentException("need at least two held-out prompts, each with its embedding.");
        }
        var pairs = new List<PlannedPair>(count);
        var order = Enumerable.Range(0, heldOut.Count).OrderBy(_ => random.NextUInt64()).ToArray();
        for (var i = 0; pairs.Count < count; i++)
        {
            var s = order[i % order.Length];
            var (scene, prompt, index) = heldOut[s];
            var roll = random.NextDouble();
            if (roll < 0.65)
            {
                var relation = roll < 0.45 ? PairRelation.Edit : PairRelation.DoubleEdit;
                var first = random.Pick(editor.EditableAttributes(scene));
                var target = editor.Edit(scene, first, random);
                if (relation == PairRelation.DoubleEdit)
                {
                    var others = editor.EditableAttributes(target).Where(a => a != first).ToArray();
                    target = editor.Edit(target, random.Pick(others), random);
                }
                pairs.Add(new PlannedPair(scene, prompt, target, writer.Write(target), relation, (ulong)index));
            }
            else
            {
                var nearest = Enumerable.Range(0, heldOut.Count)
                    .Where(j => j != s && heldOut[j].Prompt != prompt)
                    .OrderByDescending(j => EmbeddingVectors.Cosine(unitEmbeddings[s], unitEmbeddings[j]))
                    .Take(5).ToArray();
                var t = random.Pick(nearest);
                pairs.Add(new PlannedPair(scene, prompt, heldOut[t].Scene, heldOut[t].Prompt, PairRelation.Neighbour, (ulong)index));
            }
        }
        return pairs;
    }
}
