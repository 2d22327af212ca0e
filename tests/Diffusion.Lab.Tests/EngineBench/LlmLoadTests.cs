using Diffusion.Engine.Llm;
using Diffusion.Engine.Text;
using Diffusion.Lab.EngineBench;

namespace Diffusion.Lab.Tests.EngineBench;

/// <summary>The expansion workload and the load runs on the tiny LLM fixture.</summary>
public sealed class LlmLoadTests
{
    private static LlmTextCodec Codec => LlmTextCodec.Load(TinyLlmFixture.TokenizerDirectory, TinyLlmFixture.Model.Config);

    [Fact]
    public void Requests_use_the_expansion_format_and_the_canonical_prompts_length()
    {
        LlmTextCodec codec = Codec;
        (string, string)[] pairs = [("a red fox", "a small red fox in the centre on a white background"), ("two cats", "two cats")];
        IReadOnlyList<ExpansionRequest> requests = ExpansionWorkload.Build(pairs, codec, maxPositions: 128);
        Assert.Equal(2, requests.Count);
        Assert.Equal(codec.EncodePrompt("a red fox"), requests[0].Prompt);
        Assert.Equal(codec.Encode("a small red fox in the centre on a white background").Length + 1, requests[0].OutputTokens);
        Assert.Equal(codec.Encode("two cats").Length + 1, requests[1].OutputTokens);

        // The output is capped by the model's positions.
        int promptLength = codec.EncodePrompt("a red fox").Length;
        Assert.Equal(2, ExpansionWorkload.Build(pairs[..1], codec, maxPositions: promptLength + 2)[0].OutputTokens);
    }

    [Fact]
    public void Pairs_come_from_the_held_out_set_when_the_model_folder_has_one()
    {
        string folder = Path.Combine(Path.GetTempPath(), "engine-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "eval"));
            var (synthetic, from) = ExpansionWorkload.LoadPairs(folder, 5);
            Assert.Equal(5, synthetic.Count);
            Assert.Contains("synthetic", from);

            File.WriteAllLines(Path.Combine(folder, "eval", "heldout.jsonl"),
            [
                """{"loose": "moon right", "prompt": "a small moon on the right on a white background"}""",
                "",
                """{"loose": "no canonical"}""",
                """{"loose": "moon right", "prompt": "a moon on the right on a blue background"}""",
                """{"loose": "two cats", "prompt": "two cats on a red background"}""",
            ]);
            var (pairs, source) = ExpansionWorkload.LoadPairs(folder, 4);
            Assert.Contains("2 pairs of", source);
            Assert.Equal(("moon right", "a small moon on the right on a white background"), pairs[0]);
            Assert.Equal(("two cats", "two cats on a red background"), pairs[1]);
            Assert.Equal(4, pairs.Select(p => p.Loose).Distinct().Count()); // topped up, nothing repeated

            Assert.Single(ExpansionWorkload.LoadPairs(folder, 1).Pairs);

            File.WriteAllLines(Path.Combine(folder, "eval", "heldout.jsonl"), ["""{"loose": "x"}"""]);
            Assert.Throws<InvalidDataException>(() => ExpansionWorkload.LoadPairs(folder, 3));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Synthetic_pairs_are_distinct_repeatable_and_in_the_canonical_form()
    {
        IReadOnlyList<(string Loose, string Canonical)> pairs = SyntheticExpansionPairs.Generate(300, seed: 4);
        Assert.Equal(300, pairs.Select(p => p.Loose).Distinct().Count());
        Assert.Equal(300, pairs.Select(p => p.Canonical).Distinct().Count());
        Assert.All(pairs, p => Assert.EndsWith("background", p.Canonical));
        Assert.Equal(pairs, SyntheticExpansionPairs.Generate(300, seed: 4));
        Assert.NotEqual(pairs, SyntheticExpansionPairs.Generate(300, seed: 5));

        IReadOnlyList<(string Loose, string Canonical)> more = SyntheticExpansionPairs.Generate(50, seed: 4, pairs.Select(p => p.Loose).ToHashSet());
        Assert.Empty(more.Select(p => p.Loose).Intersect(pairs.Select(p => p.Loose)));
    }

    [Fact]
    public void Paging_holds_more_sequences_and_wastes_less_than_a_contiguous_reservation_on_the_same_budget()
    {
        LlmModel model = TinyLlmFixture.Model;
        LlmConfig c = model.Config;
        IReadOnlyList<ExpansionRequest> workload = ExpansionWorkload.Build(ExpansionWorkload.LoadPairs(null, 24).Pairs, Codec, c.MaxPositions);
        long budget = 3L * c.MaxPositions * 2 * c.Layers * c.ModelDim * sizeof(float); // three max-length reservations

        KvLoadResult contiguous = KvLoadRun.Run(model, workload, new KvLoadOptions { BlockSize = c.MaxPositions, PrefixCaching = false, BudgetBytes = budget }, default);
        KvLoadResult paged = KvLoadRun.Run(model, workload, new KvLoadOptions { BlockSize = 16, PrefixCaching = true, BudgetBytes = budget }, default);
        KvLoadResult unshared = KvLoadRun.Run(model, workload, new KvLoadOptions { BlockSize = 16, PrefixCaching = false, BudgetBytes = budget }, default);

        // The contiguous engine is the max-length reservation: one block of max_position_embeddings slots per sequence.
        Assert.Equal(3, contiguous.TotalBlocks);
        Assert.Equal(3, contiguous.PeakSequences);
        Assert.Equal(1.0, contiguous.BlocksPerSequence, 9);
        double meanLength = workload.Average(r => r.Prompt.Length + (r.OutputTokens / 2.0));
        Assert.InRange(contiguous.Waste, 1 - ((meanLength + 8) / c.MaxPositions), 1 - ((meanLength - 8) / c.MaxPositions));

        Assert.True(paged.MeanSequences > 2 * contiguous.MeanSequences, $"{paged.MeanSequences} vs {contiguous.MeanSequences}");
        Assert.True(paged.Waste < contiguous.Waste / 2);
        Assert.True(paged.BlocksPerSequence < unshared.BlocksPerSequence, "the shared instruction should save blocks");
        Assert.True(paged.SharingSavingInRun > 0);
        Assert.Equal(0, unshared.SharingSavingInRun);
        Assert.All([contiguous, paged, unshared], r => Assert.Equal(workload.Sum(w => (long)w.OutputTokens), r.GeneratedTokens));
    }
}
