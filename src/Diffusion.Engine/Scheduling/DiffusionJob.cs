using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Scheduling;

/// <summary>Shape of one latent sample, e.g. 4 × 16 × 16; jobs batch only with the same shape.</summary>
public readonly record struct LatentShape(int Channels, int Height, int Width)
{
    public int Elements => checked(Channels * Height * Width);

    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>What a diffusion job needs from the engine.</summary>
public sealed record DiffusionJobSpec
{
    public required int TotalSteps { get; init; }

    /// <summary>First step to run: above 0 when a cached latent lets the job skip steps.</summary>
    public int StartStep { get; init; }

    public required LatentShape Shape { get; init; }

    /// <summary>Classifier-free guidance doubles the working buffer (conditional and unconditional halves).</summary>
    public bool ClassifierFreeGuidance { get; init; } = true;

    /// <summary>The latent entering <see cref="StartStep"/> (noise, or a cached latent); zeros when absent.</summary>
    public float[]? InitialLatent { get; init; }

    /// <summary>Whatever the step runner needs per job (conditioning, scheduler state); the engine only carries it.</summary>
    public object? Conditioning { get; init; }

    public long WorkingBytes => (long)Shape.Elements * (ClassifierFreeGuidance ? 2 : 1) * sizeof(float);

    public DiffusionJobSpec Validate()
    {
        if (TotalSteps < 1 || StartStep < 0 || StartStep >= TotalSteps)
        {
            throw new ArgumentException($"a diffusion job needs 0 <= start step < total steps (got {StartStep} of {TotalSteps})");
        }

        if (Shape.Channels < 1 || Shape.Height < 1 || Shape.Width < 1)
        {
            throw new ArgumentException($"latent shape {Shape} must be positive");
        }

        if (InitialLatent is not null && InitialLatent.Length != Shape.Elements)
        {
            throw new ArgumentException($"the initial latent has {InitialLatent.Length} values; shape {Shape} needs {Shape.Elements}");
        }

        return this;
    }
}

/// <summary>A diffusion request: its steps and, while admitted, its working latents in pool blocks.</summary>
public sealed class DiffusionJob : EngineRequest
{
    public DiffusionJob(RequestId id, DiffusionJobSpec spec, RequestOptions? options = null, CancellationToken cancellation = default)
        : base(id, options, cancellation)
    {
        Spec = spec.Validate();
        CurrentStep = spec.StartStep;
    }

    public override RequestKind Kind => RequestKind.Diffusion;

    public DiffusionJobSpec Spec { get; }

    public LatentShape Shape => Spec.Shape;

    /// <summary>The next step to run; equals TotalSteps when done.</summary>
    public int CurrentStep { get; internal set; }

    internal OpaqueBuffer? Latents { get; set; }
}

/// <summary>A finished diffusion job's final latent (Shape.Elements values).</summary>
/// <param name="Waited">From joining the engine to the job's first step: its queueing delay inside the engine.</param>
public sealed record DiffusionJobResult(RequestId Id, float[] FinalLatent, int StartStep, int TotalSteps, TimeSpan Waited = default);
