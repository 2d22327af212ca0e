using Diffusion.Engine.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Engine.Tests.Scheduling;

public sealed class IterationSchedulerTests
{
    private static int FirstIteration(SchedulerHarness h, RequestId id) =>
        h.Plans.FindIndex(p => p.ScheduledRequests.Contains(id));

    private static int[] Outputs(SchedulerHarness h, RequestId id) =>
        h.Completions.Single(c => c.Id == id).Samples[0].Tokens.ToArray();

    [Fact]
    public void Requests_are_served_first_come_first_served()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { MaxTokensPerIteration = 8 });
        LlmSequenceGroup a = h.AddLlm(8, firstToken: 1);
        LlmSequenceGroup b = h.AddLlm(8, firstToken: 20);
        LlmSequenceGroup c = h.AddLlm(8, firstToken: 40);
        h.RunUntilIdle();
        Assert.True(FirstIteration(h, a.Id) < FirstIteration(h, b.Id));
        Assert.True(FirstIteration(h, b.Id) < FirstIteration(h, c.Id));
        Assert.Equal(3, h.Completions.Count());
    }

    [Fact]
    public void A_higher_priority_request_is_served_before_earlier_ones()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { MaxTokensPerIteration = 8 });
        LlmSequenceGroup low = h.AddLlm(8, firstToken: 1);
        LlmSequenceGroup high = h.AddLlm(8, firstToken: 20, priority: 5);
        h.RunUntilIdle();
        Assert.Equal(0, FirstIteration(h, high.Id));
        Assert.True(FirstIteration(h, low.Id) > 0);
    }

    [Fact]
    public void The_token_budget_caps_every_iteration_and_long_prompts_are_prefilled_in_chunks()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { MaxTokensPerIteration = 10 });
        LlmSequenceGroup longPrompt = h.AddLlm(25, firstToken: 1);
        LlmSequenceGroup other = h.AddLlm(6, firstToken: 30);
        h.RunUntilIdle();
        Assert.All(h.Plans.Where(p => p.Llm is not null), p => Assert.True(p.Llm!.TotalTokens <= 10));
        Assert.Equal(10, h.Plans[0].Llm!.TotalTokens);
        Assert.True(h.Plans.Count(p => p.Llm!.Sequences.Any(s => s.Sequence == longPrompt.Sequences[0].Id && s.IsPrefill)) >= 3);
        // The runner's next token is last + 1, so correct outputs prove the chunks fed the right tokens.
        Assert.Equal([26, 27, 28, 29], Outputs(h, longPrompt.Id));
        Assert.Equal([36, 37, 38, 39], Outputs(h, other.Id));
    }

    [Fact]
    public void The_sequence_limit_caps_every_batch()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { MaxLlmSequences = 2 });
        for (int i = 0; i < 5; i++)
        {
            h.AddLlm(3, firstToken: i * 10);
        }

        h.RunUntilIdle();
        Assert.All(h.Plans, p => Assert.True(p.Llm!.Sequences.Count <= 2));
        Assert.Equal(5, h.Completions.Count());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(1, 2)]
    public void Both_kinds_get_their_weighted_share_of_iterations_and_neither_starves(int llmWeight, int diffusionWeight)
    {
        using var h = new SchedulerHarness(new SchedulerOptions { LlmWeight = llmWeight, DiffusionWeight = diffusionWeight });
        h.AddLlm(4, new SamplingParams { MaxTokens = 60 });
        h.AddDiffusion(totalSteps: 60);
        int round = llmWeight + diffusionWeight;
        for (int i = 0; i < round * 6; i++)
        {
            h.Step();
        }

        for (int start = 0; start + round <= h.Plans.Count; start += round)
        {
            List<SchedulePlan> window = h.Plans.GetRange(start, round);
            Assert.Equal(llmWeight, window.Count(p => p.Llm is not null));
            Assert.Equal(diffusionWeight, window.Count(p => p.Diffusion is not null));
        }
    }

    [Fact]
    public void A_kind_alone_gets_every_iteration()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { LlmWeight = 1, DiffusionWeight = 5 });
        h.AddLlm(4, new SamplingParams { MaxTokens = 10 });
        for (int i = 0; i < 5; i++)
        {
            Assert.NotNull(h.Step().Llm);
        }
    }

    [Fact]
    public void Iteration_level_lets_a_newcomer_join_when_a_short_job_leaves_request_level_makes_it_wait_for_the_longest()
    {
        int JoinIteration(BatchingMode mode)
        {
            using var h = new SchedulerHarness(new SchedulerOptions { Batching = mode, MaxDiffusionBatch = 2 });
            h.AddDiffusion(totalSteps: 10);
            h.AddDiffusion(totalSteps: 10, startStep: 7); // a cache hit: only 3 steps
            h.Step();
            DiffusionJob late = h.AddDiffusion(totalSteps: 10, startStep: 5);
            h.RunUntilIdle();
            return FirstIteration(h, late.Id);
        }

        Assert.Equal(3, JoinIteration(BatchingMode.IterationLevel));
        Assert.Equal(10, JoinIteration(BatchingMode.RequestLevel));
    }

    [Fact]
    public void Request_level_llm_batches_admit_nobody_until_the_batch_is_done()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { Batching = BatchingMode.RequestLevel });
        LlmSequenceGroup longer = h.AddLlm(3, new SamplingParams { MaxTokens = 8 }, firstToken: 1);
        h.AddLlm(3, new SamplingParams { MaxTokens = 2 }, firstToken: 10);
        h.Step();
        LlmSequenceGroup late = h.AddLlm(3, new SamplingParams { MaxTokens = 2 }, firstToken: 20);
        h.RunUntilIdle();
        int longerDone = h.Events.FindIndex(e => e.FinishedLlm.Any(c => c.Id == longer.Id));
        Assert.Equal(longerDone + 1, FirstIteration(h, late.Id));
    }

    [Fact]
    public void Cancelling_frees_every_block_at_the_next_boundary()
    {
        using var h = new SchedulerHarness(new SchedulerOptions());
        using var llmCancel = new CancellationTokenSource();
        using var jobCancel = new CancellationTokenSource();
        LlmSequenceGroup group = h.AddLlm(9, new SamplingParams { MaxTokens = 50, N = 2 }, cancellation: llmCancel.Token);
        DiffusionJob job = h.AddDiffusion(totalSteps: 50, cancellation: jobCancel.Token);
        for (int i = 0; i < 4; i++)
        {
            h.Step();
        }

        Assert.True(h.Pool.UsedBlocks > 0);
        llmCancel.Cancel();
        jobCancel.Cancel();
        SchedulePlan plan = h.Scheduler.Schedule();
        Assert.Contains(new AbortedRequest(group.Id, FinishReason.Cancelled, "the request was cancelled"), plan.Aborted);
        Assert.Contains(plan.Aborted, a => a.Id == job.Id && a.Reason == FinishReason.Cancelled);
        Assert.False(plan.HasWork);
        Assert.Equal(0, h.Pool.UsedBlocks);
        Assert.Equal(0, h.Kv.SequenceCount);
        Assert.Equal(RequestState.Finished, group.State);
        Assert.False(h.Scheduler.HasWork);
    }

    [Fact]
    public void A_passed_deadline_ends_the_request_on_the_fake_clock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        using var h = new SchedulerHarness(new SchedulerOptions(), time: clock);
        LlmSequenceGroup group = h.AddLlm(4, new SamplingParams { MaxTokens = 50 }, deadline: clock.GetUtcNow().AddSeconds(5));
        h.Step();
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(h.Step().Aborted);
        clock.Advance(TimeSpan.FromSeconds(2));
        SchedulePlan plan = h.Step();
        Assert.Equal(FinishReason.DeadlineExceeded, Assert.Single(plan.Aborted).Reason);
        Assert.Equal(clock.GetUtcNow(), group.FinishedTime);
        Assert.Equal(0, h.Pool.UsedBlocks);
    }

    [Fact]
    public void A_request_that_can_never_fit_is_rejected_and_the_rest_proceed()
    {
        using var h = new SchedulerHarness(new SchedulerOptions(), blocks: 4);
        LlmSequenceGroup huge = h.AddLlm(20);
        LlmSequenceGroup small = h.AddLlm(6, firstToken: 40);
        SchedulePlan first = h.Step();
        Assert.Equal(FinishReason.Rejected, Assert.Single(first.Aborted, a => a.Id == huge.Id).Reason);
        h.RunUntilIdle();
        Assert.Single(h.Completions, c => c.Id == small.Id);
    }

    [Fact]
    public void A_request_that_does_not_fit_yet_waits_and_nobody_overtakes_it()
    {
        using var h = new SchedulerHarness(new SchedulerOptions(), blocks: 6);
        LlmSequenceGroup a = h.AddLlm(16, new SamplingParams { MaxTokens = 4 }, firstToken: 1);
        h.Step();
        LlmSequenceGroup b = h.AddLlm(12, new SamplingParams { MaxTokens = 1 }, firstToken: 20);
        LlmSequenceGroup c = h.AddLlm(2, new SamplingParams { MaxTokens = 1 }, firstToken: 40);
        h.Step();
        Assert.Equal(RequestState.Waiting, b.State);
        Assert.Equal(RequestState.Waiting, c.State);
        h.RunUntilIdle();
        Assert.True(FirstIteration(h, b.Id) > FirstIteration(h, a.Id));
        Assert.True(FirstIteration(h, c.Id) >= FirstIteration(h, b.Id));
        Assert.Equal(3, h.Completions.Count());
    }

    [Theory]
    [InlineData(PreemptionMode.Recompute)]
    [InlineData(PreemptionMode.Swap)]
    public void When_blocks_run_out_the_newest_request_is_preempted_and_later_finishes_the_same(PreemptionMode mode)
    {
        var sampling = new SamplingParams { MaxTokens = 12 };
        using var roomy = new SchedulerHarness(new SchedulerOptions(), blocks: 64);
        using var tight = new SchedulerHarness(new SchedulerOptions { Preemption = mode }, blocks: 6);
        foreach (SchedulerHarness h in new[] { roomy, tight })
        {
            h.AddLlm(6, sampling, firstToken: 1);
            h.AddLlm(6, sampling, firstToken: 20);
            h.RunUntilIdle();
        }

        SchedulePlan preempting = tight.Plans.First(p => p.Preempted.Count > 0);
        Assert.Equal(new RequestId(2), preempting.Preempted[0]);
        if (mode == PreemptionMode.Swap)
        {
            Assert.Contains(new RequestId(2), preempting.SwappedOut);
            Assert.Contains(tight.Plans, p => p.SwappedIn.Contains(new RequestId(2)));
        }
        else
        {
            Assert.True(tight.Scheduler.Counters.RecomputedTokens > 0);
        }

        foreach (LlmCompletion c in roomy.Completions)
        {
            Assert.Equal(c.Samples[0].Tokens, tight.Completions.Single(t => t.Id == c.Id).Samples[0].Tokens);
        }

        Assert.Equal(0, tight.Pool.UsedBlocks);
    }

    [Fact]
    public void The_victim_is_the_newest_of_several_running_requests()
    {
        using var h = new SchedulerHarness(new SchedulerOptions(), blocks: 9);
        LlmSequenceGroup a = h.AddLlm(7, new SamplingParams { MaxTokens = 12 }, firstToken: 1);
        LlmSequenceGroup b = h.AddLlm(7, new SamplingParams { MaxTokens = 12 }, firstToken: 14);
        LlmSequenceGroup c = h.AddLlm(7, new SamplingParams { MaxTokens = 12 }, firstToken: 27);
        h.RunUntilIdle();
        Assert.Equal(c.Id, h.Plans.First(p => p.Preempted.Count > 0).Preempted[0]);
        Assert.Equal(3, h.Completions.Count());
        Assert.Equal(Enumerable.Range(8, 12), Outputs(h, a.Id));
        Assert.Equal(Enumerable.Range(21, 12), Outputs(h, b.Id));
        Assert.Equal(Enumerable.Range(34, 12), Outputs(h, c.Id));
    }

    [Fact]
    public void A_higher_priority_request_preempts_a_lower_one_even_if_older()
    {
        using var h = new SchedulerHarness(new SchedulerOptions(), blocks: 6);
        LlmSequenceGroup low = h.AddLlm(6, new SamplingParams { MaxTokens = 12 }, firstToken: 1);
        LlmSequenceGroup high = h.AddLlm(6, new SamplingParams { MaxTokens = 12 }, firstToken: 20, priority: 1);
        h.RunUntilIdle();
        Assert.Equal(low.Id, h.Plans.First(p => p.Preempted.Count > 0).Preempted[0]);
        Assert.True(h.Events.FindIndex(e => e.FinishedLlm.Any(c => c.Id == high.Id))
            < h.Events.FindIndex(e => e.FinishedLlm.Any(c => c.Id == low.Id)));
    }

    [Fact]
    public void An_llm_request_short_of_blocks_may_swap_out_a_diffusion_job()
    {
        using var h = new SchedulerHarness(new SchedulerOptions(), blocks: 5);
        LlmSequenceGroup group = h.AddLlm(8, new SamplingParams { MaxTokens = 10 });
        h.Step();
        DiffusionJob job = h.AddDiffusion(totalSteps: 30, size: 4);
        h.RunUntilIdle();
        SchedulePlan preempting = h.Plans.First(p => p.Preempted.Count > 0);
        Assert.Equal(job.Id, preempting.Preempted[0]);
        Assert.Contains(job.Id, preempting.SwappedOut);
        DiffusionJobResult result = h.Events.SelectMany(e => e.FinishedDiffusion).Single();
        Assert.All(result.FinalLatent, v => Assert.Equal(30f, v)); // the swap kept every step's work
        Assert.Single(h.Completions, c => c.Id == group.Id);
    }

    [Fact]
    public void Diffusion_batches_hold_one_shape_and_jobs_run_from_their_start_step()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { MaxDiffusionBatch = 4 });
        var small1 = h.AddDiffusion(totalSteps: 10, size: 4);
        var large = h.AddDiffusion(totalSteps: 10, startStep: 6, size: 8);
        var small2 = h.AddDiffusion(totalSteps: 10, startStep: 7, size: 4);
        h.RunUntilIdle();
        var shapeOf = new Dictionary<RequestId, LatentShape> { [small1.Id] = small1.Shape, [large.Id] = large.Shape, [small2.Id] = small2.Shape };
        Assert.All(h.Diffusion.Batches, b => Assert.All(b.Steps, s => Assert.Equal(b.Shape, shapeOf[s.Request])));
        Assert.Contains(h.Diffusion.Batches, b => b.Steps.Count == 2); // the two small jobs did batch together
        Dictionary<RequestId, DiffusionJobResult> results = h.Events.SelectMany(e => e.FinishedDiffusion).ToDictionary(r => r.Id);
        Assert.All(results[small1.Id].FinalLatent, v => Assert.Equal(10f, v));
        Assert.All(results[large.Id].FinalLatent, v => Assert.Equal(4f, v));
        Assert.All(results[small2.Id].FinalLatent, v => Assert.Equal(3f, v));
        Assert.Equal([7, 8, 9], h.Diffusion.Batches.SelectMany(b => b.Steps).Where(s => s.Request == small2.Id).Select(s => s.Step));
        Assert.Equal(Enumerable.Range(1, 10), h.Events.SelectMany(e => e.DiffusionSteps).Where(e => e.Request == small1.Id).Select(e => e.CompletedSteps));
    }

    [Fact]
    public void N_samples_fork_after_the_prompt_and_share_its_blocks()
    {
        using var h = new SchedulerHarness(new SchedulerOptions());
        LlmSequenceGroup group = h.AddLlm(10, new SamplingParams { MaxTokens = 3, N = 3 });
        SchedulePlan first = h.Step();
        Assert.Single(first.Llm!.Sequences); // one prefill for all samples
        Assert.Equal(3, h.Kv.SequenceCount);
        Assert.Equal(3, h.Pool.SharedBlocks); // 10 tokens in blocks of 4: all three shared
        Assert.Equal(3, h.Events[0].Tokens.Count);
        h.RunUntilIdle();
        LlmCompletion completion = h.Completions.Single();
        Assert.Equal(3, completion.Samples.Count);
        Assert.All(completion.Samples, s => Assert.Equal([11, 12, 13], s.Tokens));
        Assert.True(h.Kv.GetStats().CopyOnWrites >= 2);
        Assert.Equal(0, h.Pool.UsedBlocks);
        Assert.Equal(3 * 3, h.Scheduler.Counters.GeneratedTokens);
    }

    [Fact]
    public void A_stop_sequence_ends_the_sample_is_cut_from_the_text_and_never_streamed()
    {
        using var h = new SchedulerHarness(new SchedulerOptions());
        // Prompt 1..4; outputs 5,6,7,8,... decode to f,g,h,i,...
        LlmSequenceGroup group = h.AddLlm(4, new SamplingParams { MaxTokens = 20, Stop = ["hi"] });
        h.RunUntilIdle();
        LlmSample sample = h.Completions.Single().Samples[0];
        Assert.Equal(FinishReason.Stop, sample.FinishReason);
        Assert.Equal([5, 6, 7, 8], sample.Tokens);
        Assert.Equal("fg", sample.Text);
        List<TokenEvent> tokens = h.Events.SelectMany(e => e.Tokens).ToList();
        Assert.Equal("", tokens[2].TextDelta); // "h" could start "hi": held back
        Assert.Equal("fg", string.Concat(tokens.Select(t => t.TextDelta)));
    }

    [Fact]
    public void End_of_text_max_tokens_and_model_length_end_samples()
    {
        using var h = new SchedulerHarness(new SchedulerOptions { EosTokenId = 7, MaxModelLength = 10 });
        LlmSequenceGroup eos = h.AddLlm(4, new SamplingParams { MaxTokens = 20 }, firstToken: 1);
        LlmSequenceGroup ignoring = h.AddLlm(4, new SamplingParams { MaxTokens = 20, IgnoreEos = true }, firstToken: 1);
        LlmSequenceGroup limited = h.AddLlm(4, new SamplingParams { MaxTokens = 2 }, firstToken: 20);
        h.RunUntilIdle();
        Assert.Equal([5, 6, 7], Outputs(h, eos.Id));
        Assert.Equal(FinishReason.Stop, h.Completions.Single(c => c.Id == eos.Id).Samples[0].FinishReason);
        Assert.Equal([5, 6, 7, 8, 9, 10, 11], Outputs(h, ignoring.Id)); // 4 + 7 tokens > 10 positions
        Assert.Equal(FinishReason.Length, h.Completions.Single(c => c.Id == ignoring.Id).Samples[0].FinishReason);
        Assert.Equal([24, 25], Outputs(h, limited.Id));
        Assert.Throws<ArgumentException>(() => h.AddLlm(10));
    }

    [Fact]
    public void Bad_options_and_requests_get_clear_errors()
    {
        Assert.Contains("MaxTokensPerIteration", Assert.Throws<ArgumentException>(() => new SchedulerOptions { MaxTokensPerIteration = 0 }.Validate()).Message);
        Assert.Contains("starve", Assert.Throws<ArgumentException>(() => new SchedulerOptions { DiffusionWeight = 0 }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new SamplingParams { TopP = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new SamplingParams { N = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new DiffusionJobSpec { TotalSteps = 5, StartStep = 5, Shape = new LatentShape(4, 8, 8) }.Validate());
        Assert.Throws<ArgumentException>(() => new LlmSequenceGroup(new RequestId(1), [], new SamplingParams()));
    }
}
