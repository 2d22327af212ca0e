namespace Diffusion.Engine.Scheduling;

public sealed partial class IterationScheduler
{
    /// <summary>
    /// Advances state after the runners executed <paramref name="plan"/>: commits computed KV, samples
    /// next tokens (forking the samples of an n &gt; 1 request when its prompt is done), checks end of
    /// text, stop sequences and limits, counts diffusion steps, and frees what finished.
    /// </summary>
    public IterationEvents Update(SchedulePlan plan, LlmBatchOutput? llm, DiffusionBatchOutput? diffusion)
    {
        var events = new IterationEvents();
        TimeSpan elapsed = _time.GetElapsedTime(_scheduledAt);
        if (plan.Diffusion is not null)
        {
            _costs.ObserveDiffusion(plan.Diffusion.Steps.Count, elapsed);
        }
        else if (plan.Llm is not null)
        {
            _costs.ObserveLlm(elapsed);
        }

        if (plan.Llm is not null)
        {
            UpdateLlm(plan.Llm, llm ?? throw new ArgumentException("the plan had LLM work but no LLM output was given"), events);
        }

        if (plan.Diffusion is not null)
        {
            if (diffusion is null)
            {
                throw new ArgumentException("the plan had diffusion work but no diffusion output was given");
            }

            UpdateDiffusion(plan.Diffusion, events);
        }

        return events;
    }

    private void UpdateLlm(LlmBatchPlan batch, LlmBatchOutput output, IterationEvents events)
    {
        var logits = output.Logits.ToDictionary(l => l.Sequence, l => l.Logits);
        var touched = new List<LlmSequenceGroup>();
        long prompt = 0, recomputed = 0;
        foreach (ScheduledSequence step in batch.Sequences)
        {
            if (Find(step.Request) is not LlmSequenceGroup { State: RequestState.Running } group)
            {
                continue; // ended (aborted) after it was planned
            }

            LlmSequence seq = group.Find(step.Sequence);
            _kv.CommitComputed(seq.Id, seq.TokenSpan, step.TokenIds.Length);
            seq.ComputedTokens += step.TokenIds.Length;
            int promptPart = Math.Max(0, Math.Min(seq.PromptLength, seq.ComputedTokens) - step.StartPosition);
            prompt += promptPart;
            recomputed += step.IsPrefill ? step.TokenIds.Length - promptPart : 0;
            if (!step.ProducesLogits)
            {
                continue;
            }

            if (!logits.TryGetValue(seq.Id, out float[]? next))
            {
                throw new InvalidOperationException($"the LLM runner returned no logits for {seq.Id}");
            }

            if (!group.Forked)
            {
                ForkSamples(group, seq);
                foreach (LlmSequence sample in group.Sequences)
                {
                    AppendSampled(group, sample, next, events);
                }
            }
            else
            {
                AppendSampled(group, seq, next, events);
            }

            touched.Add(group);
        }

        _counters = _counters with
        {
            PromptTokensComputed = _counters.PromptTokensComputed + prompt,
            RecomputedTokens = _counters.RecomputedTokens + recomputed,
        };
        foreach (LlmSequenceGroup group in touched.Distinct())
        {
            FreeFinished(group, events);
        }
    }

    private void ForkSamples(LlmSequenceGroup group, LlmSequence first)
    {
        for (int i = 1; i < group.Sampling.N; i++)
        {
            var child = new LlmSequence(NextSequenceId(), i, first.Tokens, first.PromptLength, new SamplingRandom(group.Seed, i))
            {
                ComputedTokens = first.ComputedTokens,
            };
            _kv.Fork(first.Id, child.Id);
            group.AddSequence(child);
        }
    }

    private void AppendSampled(LlmSequenceGroup group, LlmSequence seq, float[] logits, IterationEvents events)
    {
        int token = TokenSampler.Sample(logits, group.Sampling, seq.Random);
        seq.Append(token);
        _counters = _counters with { GeneratedTokens = _counters.GeneratedTokens + 1 };
        FinishReason? reason = token == _options.EosTokenId && !group.Sampling.IgnoreEos ? FinishReason.Stop : null;
        string streamable = "";
        if (_decoder is not null)
        {
            string text = _decoder.Decode(seq.OutputTokens.ToArray());
            int stop = StopText.FindFirst(text, group.Sampling.Stop);
            if (stop >= 0)
            {
                text = text[..stop];
                reason = FinishReason.Stop;
            }

            seq.Text = text;
            streamable = reason is null ? StopText.Streamable(text, group.Sampling.Stop) : text;
        }

        if (reason is null && seq.OutputLength >= group.Sampling.MaxTokens)
        {
            reason = FinishReason.Length;
        }

        if (reason is null && seq.Tokens.Count > _options.MaxModelLength)
        {
            reason = FinishReason.Length; // the last token has no position left to be fed at
        }

        if (reason is not null)
        {
            streamable = seq.Text;
        }

        string delta = streamable.Length > seq.StreamedChars ? streamable[seq.StreamedChars..] : "";
        seq.StreamedChars += delta.Length;
        seq.FinishReason = reason;
        events.Tokens.Add(new TokenEvent(group.Id, seq.SampleIndex, token, delta));
    }

    private void FreeFinished(LlmSequenceGroup group, IterationEvents events)
    {
        foreach (LlmSequence seq in group.Sequences.Where(s => s.IsFinished))
        {
            _kv.Free(seq.Id);
        }

        if (!group.AllFinished)
        {
            return;
        }

        _llmRunning.Remove(group);
        _requests.Remove(group.Id);
        group.State = RequestState.Finished;
        group.FinishReason = group.Sequences.All(s => s.FinishReason == FinishReason.Length) ? FinishReason.Length : FinishReason.Stop;
        group.FinishedTime = _time.GetUtcNow();
        _counters = _counters with { FinishedLlm = _counters.FinishedLlm + 1 };
        RecordDue(group);
        events.FinishedLlm.Add(LlmCompletion.From(group));
    }

    private void UpdateDiffusion(DiffusionBatchPlan batch, IterationEvents events)
    {
        foreach (ScheduledDiffusionStep step in batch.Steps)
        {
            if (Find(step.Request) is not DiffusionJob { State: RequestState.Running } job)
            {
                continue;
            }

            job.CurrentStep++;
            _counters = _counters with { DiffusionSteps = _counters.DiffusionSteps + 1 };
            events.DiffusionSteps.Add(new DiffusionStepEvent(job.Id, job.CurrentStep, job.Spec.TotalSteps));
            if (job.CurrentStep < job.Spec.TotalSteps)
            {
                continue;
            }

            var final = new float[job.Shape.Elements];
            job.Latents!.CopyTo(final);
            _kv.Release(job.Latents);
            job.Latents = null;
            _diffusionRunning.Remove(job);
            _requests.Remove(job.Id);
            job.State = RequestState.Finished;
            job.FinishReason = FinishReason.Stop;
            job.FinishedTime = _time.GetUtcNow();
            _counters = _counters with { FinishedDiffusion = _counters.FinishedDiffusion + 1 };
            RecordDue(job);
            events.FinishedDiffusion.Add(new DiffusionJobResult(job.Id, final, job.Spec.StartStep, job.Spec.TotalSteps,
                (job.FirstScheduledTime ?? job.FinishedTime.Value) - job.ArrivalTime));
        }
    }
}
