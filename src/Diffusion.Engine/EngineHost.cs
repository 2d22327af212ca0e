using Diffusion.Engine.Denoising;
using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Text;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine;

/// <summary>
/// Composes the engine from its options: the block pool (shaped for the LLM's KV cache when there is
/// an LLM), the KV cache manager, the scheduler, the LLM runner, the UNet step runner and the loop;
/// owns and disposes them (not the models they were given).
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private EngineHost(BlockPool pool, KvCacheManager kv, IterationScheduler scheduler, EngineLoop loop, LlmTextCodec? codec, LlmConfig? llm)
    {
        Pool = pool;
        KvCache = kv;
        Scheduler = scheduler;
        Loop = loop;
        Codec = codec;
        LlmConfig = llm;
    }

    public BlockPool Pool { get; }

    public KvCacheManager KvCache { get; }

    public IterationScheduler Scheduler { get; }

    public EngineLoop Loop { get; }

    /// <summary>The LLM's prompt encoder and decoder, when there is an LLM.</summary>
    public LlmTextCodec? Codec { get; }

    /// <summary>The LLM's config (shape, prompt format), when there is an LLM.</summary>
    public LlmConfig? LlmConfig { get; }

    /// <summary>Text to image through this engine, when it was started with a pipeline (<see cref="StartForModels"/>).</summary>
    public EngineImageGenerator? Images { get; private set; }

    /// <summary>
    /// The engine over a whole model folder: the UNet of <paramref name="pipeline"/> as the diffusion step
    /// runner, and the folder's <c>llm/</c> (with <c>tokenizer/</c>) when <paramref name="modelsDirectory"/> has one.
    /// </summary>
    /// <param name="costs">What the deadline-aware policies expect work to cost; learned from the iterations when not given.</param>
    public static EngineHost StartForModels(EngineOptions options, DiffusionPipeline pipeline, string? modelsDirectory, TimeProvider? time = null,
        StepCostModel? costs = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        string? llm = modelsDirectory is not null && File.Exists(Path.Combine(modelsDirectory, "llm", "config.json"))
            ? Path.Combine(modelsDirectory, "llm")
            : null;
        EngineHost host = Start(options, llm, llm is null ? null : Path.Combine(modelsDirectory!, "tokenizer"),
            new UnetDiffusionStepRunner(pipeline.Models.Unet), time, costs);
        host.Images = new EngineImageGenerator(host.Loop, pipeline, time);
        return host;
    }

    /// <summary>
    /// Expands a loose prompt with the LLM: formats it with the instruction from <c>llm/config.json</c>
    /// (<c>instruction + " " + loose + " =>"</c>), generates through the engine and returns the text of the
    /// first sample, trimmed. Greedy with room for the rest of the model's context when no sampling is given.
    /// </summary>
    public async Task<string> ExpandPromptAsync(string loosePrompt, SamplingParams? sampling = null, CancellationToken cancellationToken = default,
        RequestOptions? options = null)
    {
        if (Codec is null || LlmConfig is null)
        {
            throw new InvalidOperationException("this engine has no LLM (the model folder has no llm/)");
        }

        int[] prompt = Codec.EncodePrompt(loosePrompt);
        if (prompt.Length >= LlmConfig.MaxPositions)
        {
            throw new ArgumentException(
                $"the prompt to expand takes {prompt.Length} tokens with the instruction; the LLM holds {LlmConfig.MaxPositions}");
        }

        sampling ??= new SamplingParams { MaxTokens = LlmConfig.MaxPositions - prompt.Length };
        LlmCompletionHandle handle = Loop.SubmitCompletion(prompt, sampling, options, cancellationToken);
        LlmCompletion completion = await handle.Completion.ConfigureAwait(false);
        return completion.Samples[0].Text.Trim();
    }

    /// <summary>
    /// Builds and starts the engine. <paramref name="llmDirectory"/> and <paramref name="tokenizerDirectory"/>
    /// are the model's <c>llm/</c> and <c>tokenizer/</c> folders (both or neither).
    /// </summary>
    public static EngineHost Start(EngineOptions options, string? llmDirectory, string? tokenizerDirectory,
        IDiffusionStepRunner? diffusion, TimeProvider? time = null, StepCostModel? costs = null)
    {
        options.Validate();
        if ((llmDirectory is null) != (tokenizerDirectory is null))
        {
            throw new ArgumentException("give both the llm/ and the tokenizer/ folder, or neither");
        }

        LlmModel? model = llmDirectory is null ? null : LlmModel.Load(llmDirectory);
        LlmTextCodec? codec = model is null ? null : LlmTextCodec.Load(tokenizerDirectory!, model.Config);
        BlockPoolOptions poolOptions = model is null
            ? new BlockPoolOptions { BudgetBytes = options.MemoryBudgetBytes, Planes = 1, PlaneBlockBytes = options.BlockBytesWithoutLlm }
            : BlockPoolOptions.ForKvCache(options.MemoryBudgetBytes, options.BlockSize, model.Config.Layers, model.Config.ModelDim);
        var pool = new BlockPool(poolOptions);
        var kv = new KvCacheManager(pool, new KvCacheOptions { BlockSize = options.BlockSize, EnablePrefixCaching = options.EnablePrefixCaching });
        SchedulerOptions schedulerOptions = model is null
            ? options.Scheduler
            : options.Scheduler with { MaxModelLength = model.Config.MaxPositions, EosTokenId = model.Config.EosTokenId };
        var scheduler = new IterationScheduler(schedulerOptions, kv, time ?? TimeProvider.System, codec, costs);
        var loop = new EngineLoop(scheduler, model is null ? null : new LlmRunner(model, pool), diffusion);
        loop.Start();
        return new EngineHost(pool, kv, scheduler, loop, codec, model?.Config);
    }

    public async ValueTask DisposeAsync()
    {
        await Loop.DisposeAsync().ConfigureAwait(false);
        Pool.Dispose();
    }
}
