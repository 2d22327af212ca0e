using System.Threading.Channels;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine;

/// <summary>How the engine loop ends a request's handle without a result.</summary>
internal interface IRequestHandle
{
    void Fail(Exception error);

    void Cancel();

    /// <summary>Keeps the cancellation hook until the request ends, then disposes it.</summary>
    void Release(CancellationTokenRegistration registration);
}

/// <summary>A submitted LLM request: its final result and its token stream.</summary>
public sealed class LlmCompletionHandle : IRequestHandle
{
    private readonly TaskCompletionSource<LlmCompletion> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<TokenEvent> _tokens = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationToken _cancellation;
    private CancellationTokenRegistration _registration;

    internal LlmCompletionHandle(RequestId id, CancellationToken cancellation)
    {
        Id = id;
        _cancellation = cancellation;
    }

    public RequestId Id { get; }

    public Task<LlmCompletion> Completion => _completion.Task;

    /// <summary>Tokens as they are produced (every sample's); ends when the request does, throwing if it failed.</summary>
    public IAsyncEnumerable<TokenEvent> StreamTokensAsync(CancellationToken cancellationToken = default) =>
        _tokens.Reader.ReadAllAsync(cancellationToken);

    internal void OnToken(TokenEvent token) => _tokens.Writer.TryWrite(token);

    internal void OnFinished(LlmCompletion completion)
    {
        _registration.Dispose();
        _tokens.Writer.TryComplete();
        _completion.TrySetResult(completion);
    }

    void IRequestHandle.Release(CancellationTokenRegistration registration) => _registration = registration;

    void IRequestHandle.Fail(Exception error)
    {
        _registration.Dispose();
        _tokens.Writer.TryComplete(error);
        _completion.TrySetException(error);
    }

    void IRequestHandle.Cancel()
    {
        _registration.Dispose();
        _tokens.Writer.TryComplete(new OperationCanceledException(_cancellation));
        _completion.TrySetCanceled(_cancellation);
    }
}

/// <summary>A submitted diffusion job: its final latent and its step progress.</summary>
public sealed class DiffusionJobHandle : IRequestHandle
{
    private readonly TaskCompletionSource<DiffusionJobResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<DiffusionStepEvent> _steps = Channel.CreateUnbounded<DiffusionStepEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationToken _cancellation;
    private CancellationTokenRegistration _registration;

    internal DiffusionJobHandle(RequestId id, CancellationToken cancellation)
    {
        Id = id;
        _cancellation = cancellation;
    }

    public RequestId Id { get; }

    public Task<DiffusionJobResult> Completion => _completion.Task;

    public IAsyncEnumerable<DiffusionStepEvent> StreamStepsAsync(CancellationToken cancellationToken = default) =>
        _steps.Reader.ReadAllAsync(cancellationToken);

    internal void OnStep(DiffusionStepEvent step) => _steps.Writer.TryWrite(step);

    internal void OnFinished(DiffusionJobResult result)
    {
        _registration.Dispose();
        _steps.Writer.TryComplete();
        _completion.TrySetResult(result);
    }

    void IRequestHandle.Release(CancellationTokenRegistration registration) => _registration = registration;

    void IRequestHandle.Fail(Exception error)
    {
        _registration.Dispose();
        _steps.Writer.TryComplete(error);
        _completion.TrySetException(error);
    }

    void IRequestHandle.Cancel()
    {
        _registration.Dispose();
        _steps.Writer.TryComplete(new OperationCanceledException(_cancellation));
        _completion.TrySetCanceled(_cancellation);
    }
}
