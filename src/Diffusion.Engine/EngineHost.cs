using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Text;

namespace Diffusion.Engine;

/// <summary>
/// Composes the engine from its options: the block pool (shaped for the LLM's KV cache when there is
/// an LLM), the KV cache manager, the scheduler, the LLM runner and the loop; owns and disposes them.
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private EngineHost(BlockPool pool, KvCacheManager kv, IterationScheduler scheduler, EngineLoop loop, LlmTextCodec? codec)
    {
        Pool = pool;
        KvCache = kv;
        Scheduler = scheduler;
        Loop = loop;
        Codec = codec;
    }

    public BlockPool Pool { get; }

    public KvCacheManager KvCache { get; }

    public IterationScheduler Scheduler { get; }

    public EngineLoop Loop { get; }

    /// <summary>The LLM's prompt encoder and decoder, when there is an LLM.</summary>
    public LlmTextCodec? Codec { get; }

    /// <summary>
    /// Builds and starts the engine. <paramref name="llmDirectory"/> and <paramref name="tokenizerDirectory"/>
    /// are the model's <c>llm/</c> and <c>tokenizer/</c> folders (both or neither).
    /// </summary>
    public static EngineHost Start(EngineOptions options, string? llmDirectory, string? tokenizerDirectory,
        IDiffusionStepRunner? diffusion, TimeProvider? time = null)
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
        var scheduler = new IterationScheduler(schedulerOptions, kv, time ?? TimeProvider.System, codec);
        var loop = new EngineLoop(scheduler, model is null ? null : new LlmRunner(model, pool), diffusion);
        loop.Start();
        return new EngineHost(pool, kv, scheduler, loop, codec);
    }

    public async ValueTask DisposeAsync()
    {
        await Loop.DisposeAsync().ConfigureAwait(false);
        Pool.Dispose();
    }
}
