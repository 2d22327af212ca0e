using System.Diagnostics;
using Diffusion.Engine;
using Diffusion.Engine.Llm;
using Diffusion.Engine.Text;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Kernels.Attention;
using Diffusion.Lab.EngineBench;

namespace Diffusion.Cli.Engine;

/// <summary>
/// Runs every measurement of <c>bench engine</c> in one process, each beside its baseline on the same workload:
/// LLM load runs (paged at each block size, contiguous max-length reservation, paged without sharing), LLM speed
/// at batch 1 and 16, the paged-attention kernel against the contiguous one, and iteration- against
/// request-level batching of diffusion jobs.
/// </summary>
public sealed class EngineBenchmark(string modelsDirectory, bool quick, int threads, TextWriter log)
{
    /// <summary>Block sizes the sweep compares.</summary>
    public static readonly int[] SweepBlockSizes = [2, 4, 8, 16, 32, 64];

    public async Task<EngineBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        string llmDirectory = Path.Combine(modelsDirectory, "llm");
        string tokenizerDirectory = Path.Combine(modelsDirectory, "tokenizer");
        if (!File.Exists(Path.Combine(llmDirectory, "config.json")))
        {
            throw new FileNotFoundException($"{llmDirectory}/config.json not found: bench engine needs the model folder's llm/");
        }

        LlmModel model = LlmModel.Load(llmDirectory);
        LlmConfig config = model.Config;
        LlmTextCodec codec = LlmTextCodec.Load(tokenizerDirectory, config);
        (IReadOnlyList<(string Loose, string Canonical)> pairs, string source) = ExpansionWorkload.LoadPairs(modelsDirectory, quick ? 96 : 320);
        IReadOnlyList<ExpansionRequest> workload = ExpansionWorkload.Build(pairs, codec, config.MaxPositions);
        int contiguousSequences = quick ? 8 : 16;
        long bytesPerToken = 2L * config.Layers * config.ModelDim * sizeof(float);
        long budget = contiguousSequences * config.MaxPositions * bytesPerToken;
        int defaultBlockSize = new EngineOptions().BlockSize;
        log.WriteLine($"llm: {workload.Count} expansion requests from {source}; budget {budget >> 10} KiB = {contiguousSequences} max-length sequences");

        // LLM load runs.
        KvLoadResult contiguous = Load("contiguous max-length reservation", config.MaxPositions, prefixCaching: false);
        var sweep = new List<(KvLoadResult Run, double Overhead)>();
        foreach (int blockSize in SweepBlockSizes.Union([defaultBlockSize]).Order())
        {
            sweep.Add((Load($"paged, block {blockSize}", blockSize, prefixCaching: true), AttentionOverhead(config, blockSize)));
        }

        KvLoadResult paged = sweep.Single(s => s.Run.Options.BlockSize == defaultBlockSize).Run;
        KvLoadResult unshared = Load($"paged, block {defaultBlockSize}, no prefix sharing", defaultBlockSize, prefixCaching: false);
        double overhead = sweep.Single(s => s.Run.Options.BlockSize == defaultBlockSize).Overhead;

        // LLM speed through the running engine.
        int perSequence = quick ? 24 : 48;
        int rounds = quick ? 2 : 3;
        LlmThroughputResult one = await LlmThroughputRun.RunAsync(llmDirectory, tokenizerDirectory, workload, 1, perSequence, rounds,
            defaultBlockSize, cancellationToken).ConfigureAwait(false);
        LlmThroughputResult sixteen = await LlmThroughputRun.RunAsync(llmDirectory, tokenizerDirectory, workload, 16, perSequence, rounds,
            defaultBlockSize, cancellationToken).ConfigureAwait(false);
        log.WriteLine($"llm: {one.TokensPerSecond:F0} tokens/s at batch 1, {sixteen.TokensPerSecond:F0} at batch 16");

        // Diffusion: iteration-level against request-level batching.
        using DiffusionModels models = DiffusionModels.Load(modelsDirectory, new OnnxRuntimeOptions { IntraOpThreads = threads });
        var diffusionOptions = new DiffusionThroughputOptions
        {
            RealJobs = quick ? 12 : 40,
            SimulatedJobs = quick ? 200 : 400,
            CalibrationRepeats = quick ? 2 : 3,
        };
        DiffusionThroughputResult diffusion = await new DiffusionThroughputBenchmark(new DiffusionPipeline(models), diffusionOptions, log)
            .RunAsync(cancellationToken).ConfigureAwait(false);

        // Throughput per CPU-second: the runs happen one after another on a shared machine, and wall time would
        // charge one block size for load another process put on the cores during its run.
        (int chosen, string reason) = BlockSizeChoice.Pick(sweep.Where(s => SweepBlockSizes.Contains(s.Run.Options.BlockSize))
            .Select(s => new BlockSizeCandidate(s.Run.Options.BlockSize, s.Run.Waste, s.Run.GeneratedTokensPerCpuSecond, s.Overhead)).ToList());

        return EngineBenchReportBuilder.Build(new EngineBenchInputs(modelsDirectory, quick, source, workload, codec.Encode(config.Instruction).Length,
            config.MaxPositions, budget, contiguousSequences, defaultBlockSize, contiguous, paged, unshared, sweep, overhead, one, sixteen,
            diffusion, chosen, reason, Stopwatch.GetElapsedTime(started).TotalSeconds));

        KvLoadResult Load(string name, int blockSize, bool prefixCaching)
        {
            KvLoadResult run = KvLoadRun.Run(model, workload, new KvLoadOptions { BlockSize = blockSize, PrefixCaching = prefixCaching, BudgetBytes = budget },
                cancellationToken);
            log.WriteLine($"llm: {name}: waste {run.Waste:P1}, {run.MeanSequences:F1} sequences held (peak {run.PeakSequences}), "
                + $"{run.BlocksPerSequence:F2} blocks/seq, {run.GeneratedTokensPerSecond:F0} tokens/s ({run.GeneratedTokensPerCpuSecond:F0} per CPU-s), "
                + $"{run.Preemptions} preemptions");
            return run;
        }

        double AttentionOverhead(LlmConfig c, int blockSize)
        {
            AttentionBenchmarkResult r = AttentionBenchmark.Run(new AttentionBenchmarkOptions
            {
                NumHeads = c.Heads,
                HeadDim = c.HeadDim,
                ContextLength = c.MaxPositions,
                BlockSize = blockSize,
                Rounds = quick ? 9 : 21,
            });
            return r.PagedToContiguousRatio;
        }
    }
}
