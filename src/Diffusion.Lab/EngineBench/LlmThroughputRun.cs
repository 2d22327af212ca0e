using System.Diagnostics;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.EngineBench;

/// <summary>
/// LLM generation speed at one batch size, the median round (by wall time), also per second of the process's CPU
/// time (steady when other processes load the cores); and where the engine's busy time went.
/// </summary>
public sealed record LlmThroughputResult(
    int Batch,
    int Rounds,
    int TokensPerSequence,
    double TokensPerSecond,
    double TokensPerCpuSecond,
    double FractionOutsideMath,
    double MeanBatchTokens);

/// <summary>
/// Tokens per second through the running engine (loop thread, scheduler, runner, sampler, text decoding):
/// each round submits <c>batch</c> expansion requests at once and waits for all; greedy, end-of-text ignored,
/// so every round generates the same count. The first round only warms up (JIT, prefix cache).
/// </summary>
public static class LlmThroughputRun
{
    public static async Task<LlmThroughputResult> RunAsync(string llmDirectory, string tokenizerDirectory, IReadOnlyList<ExpansionRequest> prompts,
        int batch, int tokensPerSequence, int rounds, int blockSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var options = new EngineOptions
        {
            MemoryBudgetBytes = 256L << 20,
            BlockSize = blockSize,
            Scheduler = new SchedulerOptions { MaxLlmSequences = Math.Max(batch, 1), MaxTokensPerIteration = 4096 },
        };
        await using EngineHost host = EngineHost.Start(options, llmDirectory, tokenizerDirectory, null);
        int positions = host.LlmConfig!.MaxPositions;
        var speeds = new List<(double TokensPerSecond, double PerCpuSecond, double Outside, double BatchTokens)>();
        for (int round = 0; round <= rounds; round++)
        {
            EngineStats before = host.Loop.GetStats();
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            long started = Stopwatch.GetTimestamp();
            var handles = new List<LlmCompletionHandle>(batch);
            for (int i = 0; i < batch; i++)
            {
                int[] prompt = prompts[((round * batch) + i) % prompts.Count].Prompt;
                var sampling = new SamplingParams { MaxTokens = Math.Min(tokensPerSequence, positions - prompt.Length), IgnoreEos = true };
                handles.Add(host.Loop.SubmitCompletion(prompt, sampling, cancellationToken: cancellationToken));
            }

            LlmCompletion[] done = await Task.WhenAll(handles.Select(h => h.Completion)).ConfigureAwait(false);
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            EngineStats after = host.Loop.GetStats();
            if (round == 0)
            {
                continue;
            }

            long tokens = done.Sum(c => (long)c.Samples[0].Tokens.Count);
            double busy = (after.BusyTime - before.BusyTime).TotalSeconds;
            double math = (after.ModelMathTime - before.ModelMathTime).TotalSeconds;
            long iterations = after.Scheduler.LlmIterations - before.Scheduler.LlmIterations;
            long batchTokens = after.Scheduler.LlmBatchTokens - before.Scheduler.LlmBatchTokens;
            speeds.Add((tokens / seconds, tokens / cpu, busy <= 0 ? 0 : 1 - (math / busy), iterations == 0 ? 0 : (double)batchTokens / iterations));
        }

        var median = speeds.OrderBy(s => s.TokensPerSecond).ElementAt(speeds.Count / 2);
        return new LlmThroughputResult(batch, rounds, tokensPerSequence, median.TokensPerSecond, median.PerCpuSecond, median.Outside, median.BatchTokens);
    }
}
