using System.Text.Json;
using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Tests.Llm;

public sealed class LlmRunnerTests
{
    private static (BlockPool Pool, KvCacheManager Kv, LlmRunner Runner) NewRunner(int blocks = 64, bool prefixCaching = true)
    {
        BlockPool pool = TinyLlmFixture.NewPool(blocks);
        var kv = new KvCacheManager(pool, new KvCacheOptions { BlockSize = 16, EnablePrefixCaching = prefixCaching });
        return (pool, kv, new LlmRunner(TinyLlmFixture.Model, pool));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(7)]
    public void Last_token_logits_match_the_torch_reference(int prefillChunk)
    {
        (BlockPool pool, KvCacheManager kv, LlmRunner runner) = NewRunner(prefixCaching: false);
        using (pool)
        {
            int n = 0;
            foreach (JsonElement c in TinyLlmFixture.Reference.GetProperty("logits").EnumerateArray())
            {
                int[] ids = TinyLlmFixture.Ints(c.GetProperty("ids"));
                float[] expected = c.GetProperty("last_logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
                var seq = new DirectSequence(kv, new SequenceId(++n), ids, prefillChunk);
                while (seq.StepLogits.Count == 0)
                {
                    DirectSequence.RunBatch(runner, [seq]);
                }

                float worst = expected.Zip(seq.StepLogits[0], (e, a) => Math.Abs(e - a)).Max();
                Assert.True(worst < 1e-4f, $"largest logit difference {worst}");
            }
        }
    }

    [Fact]
    public void Greedy_continuations_match_the_torch_reference_exactly()
    {
        (BlockPool pool, KvCacheManager kv, LlmRunner runner) = NewRunner();
        using (pool)
        {
            int n = 0;
            foreach (JsonElement c in TinyLlmFixture.Reference.GetProperty("continuations").EnumerateArray())
            {
                int[] ids = TinyLlmFixture.Ints(c.GetProperty("ids"));
                int[] expected = TinyLlmFixture.Ints(c.GetProperty("greedy"));
                var seq = new DirectSequence(kv, new SequenceId(++n), ids, 1000);
                while (seq.Tokens.Count < ids.Length + expected.Length)
                {
                    DirectSequence.RunBatch(runner, [seq]);
                }

                Assert.Equal(expected, seq.Tokens.Skip(ids.Length).ToArray());
            }

            // Later prompts found the shared instruction blocks in the prefix cache.
            Assert.True(kv.GetStats().PrefixHitBlocks > 0);
        }
    }

    [Fact]
    public void Sixteen_sequences_batched_with_mixed_prefill_and_decode_equal_one_at_a_time()
    {
        int[][] prompts = Prompts(16);
        const int newTokens = 8;
        var alone = new List<List<float[]>>();
        (BlockPool pool, KvCacheManager kv, LlmRunner runner) = NewRunner(blocks: 128);
        using (pool)
        {
            for (int i = 0; i < prompts.Length; i++)
            {
                var seq = new DirectSequence(kv, new SequenceId(i), prompts[i], 1000);
                while (seq.StepLogits.Count < newTokens)
                {
                    DirectSequence.RunBatch(runner, [seq]);
                }

                alone.Add(seq.StepLogits);
            }
        }

        (pool, kv, runner) = NewRunner(blocks: 128);
        using (pool)
        {
            // Staggered starts and chunked prefills: most iterations mix prefill chunks with decodes.
            var sequences = prompts.Select((p, i) => new DirectSequence(kv, new SequenceId(i), p, i % 3 == 0 ? 9 : 1000)).ToList();
            int mixed = 0;
            for (int iteration = 0; sequences.Any(s => s.StepLogits.Count < newTokens); iteration++)
            {
                var active = sequences.Where((s, i) => i / 2 <= iteration && s.StepLogits.Count < newTokens).ToList();
                var steps = active.Select(s => s.NextStep()).ToList();
                mixed += steps.Any(s => s.IsPrefill) && steps.Any(s => !s.IsPrefill) ? 1 : 0;
                Diffusion.Engine.Scheduling.LlmBatchOutput output = runner.Execute(new Diffusion.Engine.Scheduling.LlmBatchPlan(steps));
                for (int i = 0; i < active.Count; i++)
                {
                    active[i].Complete(steps[i], output);
                }
            }

            Assert.True(mixed >= 5, $"only {mixed} iterations mixed prefill and decode");
            for (int i = 0; i < prompts.Length; i++)
            {
                for (int t = 0; t < newTokens; t++)
                {
                    Assert.Equal(alone[i][t], sequences[i].StepLogits[t]);
                }
            }
        }
    }

    [Fact]
    public void A_pool_of_the_wrong_shape_is_rejected()
    {
        using var pool = new BlockPool(new BlockPoolOptions { BudgetBytes = 1 << 16, Planes = 3, PlaneBlockBytes = 1024 });
        ArgumentException e = Assert.Throws<ArgumentException>(() => new LlmRunner(TinyLlmFixture.Model, pool));
        Assert.Contains("ForKvCache", e.Message);
    }

    /// <summary>The reference prompts and shortened variants of them (different lengths, shared prefixes).</summary>
    internal static int[][] Prompts(int count)
    {
        int[][] reference = TinyLlmFixture.Reference.GetProperty("prompts").EnumerateArray()
            .Select(p => TinyLlmFixture.Ints(p.GetProperty("ids"))).ToArray();
        return Enumerable.Range(0, count)
            .Select(i => reference[i % reference.Length][..(reference[i % reference.Length].Length - (i / reference.Length * 3))])
            .ToArray();
    }
}
