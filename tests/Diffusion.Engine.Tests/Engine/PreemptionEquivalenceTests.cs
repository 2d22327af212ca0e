using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Tests.Llm;

namespace Diffusion.Engine.Tests.Engine;

/// <summary>Preempted and resumed requests must produce exactly what an uninterrupted run produces.</summary>
public sealed class PreemptionEquivalenceTests
{
    private static List<(int[] Prompt, SamplingParams Sampling)> Workload()
    {
        int[][] prompts = LlmRunnerTests.Prompts(6);
        return prompts.Select((p, i) => (p, new SamplingParams
        {
            MaxTokens = 24,
            IgnoreEos = true,
            Temperature = i % 3 == 0 ? 0f : 0.9f,
            TopP = i % 2 == 0 ? 1f : 0.8f,
            Seed = (ulong)(1000 + i),
            N = i == 1 ? 2 : 1,
        })).ToList();
    }

    private static List<LlmCompletion> Uninterrupted()
    {
        using var roomy = new TinyLlmScheduling(new SchedulerOptions(), blocks: 128);
        List<LlmCompletion> result = roomy.Run(Workload());
        Assert.DoesNotContain(roomy.Plans, p => p.Preempted.Count > 0);
        return result;
    }

    [Theory]
    [InlineData(PreemptionMode.Recompute)]
    [InlineData(PreemptionMode.Swap)]
    public void Preempted_requests_produce_exactly_the_uninterrupted_tokens(PreemptionMode mode)
    {
        List<LlmCompletion> expected = Uninterrupted();
        using var tight = new TinyLlmScheduling(new SchedulerOptions { Preemption = mode }, blocks: 12);
        List<LlmCompletion> actual = tight.Run(Workload());

        Assert.True(tight.Plans.Sum(p => p.Preempted.Count) >= 2, "the tight pool should force preemptions");
        if (mode == PreemptionMode.Swap)
        {
            Assert.Contains(tight.Plans, p => p.SwappedIn.Count > 0);
        }

        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Samples.Count, actual[i].Samples.Count);
            for (int s = 0; s < expected[i].Samples.Count; s++)
            {
                Assert.Equal(expected[i].Samples[s].Tokens, actual[i].Samples[s].Tokens);
                Assert.Equal(expected[i].Samples[s].Text, actual[i].Samples[s].Text);
            }
        }

        Assert.Equal(0, tight.Pool.UsedBlocks);
    }

    [Fact]
    public void Seeded_sampling_repeats_and_different_seeds_differ()
    {
        int[] prompt = LlmRunnerTests.Prompts(1)[0];
        List<LlmCompletion> Run(ulong seed)
        {
            using var engine = new TinyLlmScheduling(new SchedulerOptions(), blocks: 64);
            return engine.Run([(prompt, new SamplingParams { MaxTokens = 20, Temperature = 1.2f, Seed = seed, N = 3, IgnoreEos = true })]);
        }

        LlmCompletion first = Run(7)[0], again = Run(7)[0], other = Run(8)[0];
        for (int s = 0; s < 3; s++)
        {
            Assert.Equal(first.Samples[s].Tokens, again.Samples[s].Tokens);
        }

        Assert.NotEqual(first.Samples[0].Tokens, first.Samples[1].Tokens); // samples draw independently
        Assert.NotEqual(first.Samples[0].Tokens, other.Samples[0].Tokens);
    }

    [Fact]
    public void The_full_stack_reproduces_the_reference_greedy_continuations_from_text()
    {
        using var engine = new TinyLlmScheduling(new SchedulerOptions { MaxTokensPerIteration = 64 }, blocks: 64);
        var loose = TinyLlmFixture.Reference.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("loose").GetString()!).ToList();
        var expected = TinyLlmFixture.Reference.GetProperty("continuations").EnumerateArray().Select(c => TinyLlmFixture.Ints(c.GetProperty("greedy"))).ToList();
        List<LlmCompletion> results = engine.Run(loose.Select(l => (engine.Codec.EncodePrompt(l), new SamplingParams { MaxTokens = 24, IgnoreEos = true })).ToList());
        for (int i = 0; i < loose.Count; i++)
        {
            Assert.Equal(expected[i], results[i].Samples[0].Tokens);
            Assert.Equal(engine.Codec.Decode(expected[i]), results[i].Samples[0].Text);
        }

        // All prompts start with the same instruction: its full block was computed once and shared.
        Assert.Contains(results, r => r.CachedPromptTokens >= 16);
        Assert.Contains(engine.Plans, p => p.Llm is { } b && b.Sequences.Any(s => s.IsPrefill) && b.Sequences.Any(s => !s.IsPrefill));
    }
}
