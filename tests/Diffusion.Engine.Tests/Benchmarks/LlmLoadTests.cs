using Diffusion.Engine.Benchmarks;
using Diffusion.Engine.Llm;
using Diffusion.Engine.Tests.Llm;
using Diffusion.Engine.Text;

namespace Diffusion.Engine.Tests.Benchmarks;

/// <summary>The expansion workload and the load runs on the tiny LLM fixture.</summary>
public sealed class LlmLoadTests
{
    private static LlmTextCodec Codec => LlmTextCodec.Load(TinyLlmFixture.TokenizerDirectory, TinyLlmFixture.Model.Config);

    [Fact]
    public void Requests_use_the_expansion_format_and_the_canonical_prompts_length()
    {
        LlmTextCodec codec = Codec;
        (string, string)[] pairs = [("a red fox", "a small red fox in the centre on a white background"), ("two cats", "two cats")];
        IReadOnlyList<ExpansionRequest> requests = ExpansionWorkload.Build(pairs, codec, maxPositions: 128, count: 3);
        Assert.Equal(3, requests.Count);
        Assert.Equal(codec.EncodePrompt("a red fox"), requests[0].Prompt);
        Assert.Equal(codec.Encode("a small red fox in the centre on a white background").Length + 1, requests[0].OutputTokens);
        Assert.Equal(requests[0].Prompt, requests[2].Prompt); // cycles through the pairs

        // The output is capped by the model's positions.
        int promptLength = codec.EncodePrompt("a red fox").Length;
        Assert.Equal(2, ExpansionWorkload.Build(pairs, codec, maxPositions: promptLength + 2, count: 1)[0].OutputTokens);
    }

    [Fact]
    public void Pairs_come_from_the_held_out_set_when_the_model_folder_has_one()
    {
        string folder = Path.Combine(Path.GetTempPath(), "engine-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "eval"));
            Assert.Contains("built-in", ExpansionWorkload.LoadPairs(folder).Source);

            File.WriteAllLines(Path.Combine(folder, "eval", "heldout.jsonl"),
            [
                """{"loose": "moon right", "prompt": "a small moon on the right on a white background"}""",
                "",
                """{"loose": "no canonical"}""",
            ]);
            var (pairs, source) = ExpansionWorkload.LoadPairs(folder);
            Assert.EndsWith("heldout.jsonl", source);
            Assert.Equal([("moon right", "a small moon on the right on a white background")], pairs);

            File.WriteAllLines(Path.Combine(folder, "eval", "heldout.jsonl"), ["""{"loose": "x"}"""]);
            Assert.Throws<InvalidDataException>(() => ExpansionWorkload.LoadPairs(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Paging_holds_more_sequences_and_wastes_less_than_a_contiguous_reservation_on_the_same_budget()
    {
        LlmModel model = TinyLlmFixture.Model;
        LlmConfig c = model.Config;
        (string, string)[] pairs = [("a red fox in snow", "a small red fox"), ("two cats on a sofa", "two cats on a red sofa at night"), ("sun", "a large sun")];
        IReadOnlyList<ExpansionRequest> workload = ExpansionWorkload.Build(pairs, Codec, c.MaxPositions, count: 24);
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
