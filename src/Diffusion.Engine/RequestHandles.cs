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

/// <summary>One submitted request: its final result and the events it streams until then, ended by the engine loop.</summary>
public abstract class RequestHandle<TResult, TEvent> : IRequestHandle
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<TEvent> _events = Channel.CreateUnbounded<TEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationToken _cancellation;
    private CancellationTokenRegistration _registration;

    private protected RequestHandle(RequestId id, CancellationToken cancellation)
    {
        Id = id;
        _cancellation = cancellation;
    }

    public RequestId Id { get; }

    public Task<TResult> Completion => _completion.Task;

    /// <summary>Events as they happen; ends when the request does, throwing if it failed or was cancelled.</summary>
    private protected IAsyncEnumerable<TEvent> ReadEventsAsync(CancellationToken cancellationToken) =>
        _events.Reader.ReadAllAsync(cancellationToken);

    private protected void Publish(TEvent item) => _events.Writer.TryWrite(item);

    internal void OnFinished(TResult result)
    {
        _registration.Dispose();
        _events.Writer.TryComplete();
        _completion.TrySetResult(result);
    }

    void IRequestHandle.Release(CancellationTokenRegistration registration) => _registration = registration;

    void IRequestHandle.Fail(Exception error)
    {
        _registration.Dispose();
        _events.Writer.TryComplete(error);
        _completion.TrySetException(error);
    }

    void IRequestHandle.Cancel()
    {
        _registration.Dispose();
        _events.Writer.TryComplete(new OperationCanceledException(_cancellation));
        _completion.TrySetCanceled(_cancellation);
    }
}

/// <summary>A submitted LLM request: its final result and its token stream.</summary>
public sealed class LlmCompletionHandle : RequestHandle<LlmCompletion, TokenEvent>
{
    internal LlmCompletionHandle(RequestId id, CancellationToken cancellation)
        : base(id, cancellation)
    {
    }

    /// <summary>Tokens as they are produced (every sample's); ends when the request does, throwing if it failed.</summary>
    public IAsyncEnumerable<TokenEvent> StreamTokensAsync(CancellationToken cancellationToken = default) =>
        ReadEventsAsync(cancellationToken);

    internal void OnToken(TokenEvent token) => Publish(token);
}

/// <summary>A submitted diffusion job: its final latent and its step progress.</summary>
public sealed class DiffusionJobHandle : RequestHandle<DiffusionJobResult, DiffusionStepEvent>
{
    internal DiffusionJobHandle(RequestId id, CancellationToken cancellation)
        : base(id, cancellation)
    {
    }

    public IAsyncEnumerable<DiffusionStepEvent> StreamStepsAsync(CancellationToken cancellationToken = default) =>
        ReadEventsAsync(cancellationToken);

    internal void OnStep(DiffusionStepEvent step) => Publish(step);
}
