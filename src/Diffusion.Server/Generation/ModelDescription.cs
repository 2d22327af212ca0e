using Diffusion.Inference.Vocabulary;

namespace Diffusion.Server.Generation;

/// <summary>
/// What a generator serves. The first entry of <see cref="Sizes"/> and of <see cref="Schedulers"/>
/// is the default for requests that do not name one.
/// </summary>
public sealed record ModelDescription
{
    public ModelDescription(
        string id,
        string ownedBy,
        DateTimeOffset created,
        IReadOnlyList<ImageSize> sizes,
        IReadOnlyList<string> schedulers,
        int maxSteps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(ownedBy);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(schedulers);
        if (sizes.Count == 0) throw new ArgumentException("A model must support at least one size.", nameof(sizes));
        if (schedulers.Count == 0) throw new ArgumentException("A model must offer at least one scheduler.", nameof(schedulers));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        Id = id;
        OwnedBy = ownedBy;
        Created = created;
        Sizes = sizes;
        Schedulers = schedulers;
        MaxSteps = maxSteps;
    }

    public string Id { get; }
    public string OwnedBy { get; }
    public DateTimeOffset Created { get; }
    public IReadOnlyList<ImageSize> Sizes { get; }
    /// <summary>Scheduler names as requests spell them, lower case: "ddim", "euler", "dpm++2m".</summary>
    public IReadOnlyList<string> Schedulers { get; }
    /// <summary>The most denoising steps the model accepts (the server may allow fewer).</summary>
    public int MaxSteps { get; }
    /// <summary>The guidance scale the model was tuned for (Stable Diffusion's 7.5 unless the model says otherwise).</summary>
    public double DefaultGuidanceScale { get; init; } = 7.5;
    /// <summary>What a closed-world model can draw; null for an open-vocabulary model (a Stable Diffusion export).</summary>
    public PromptVocabulary? Vocabulary { get; init; }

    public ImageSize DefaultSize => Sizes[0];
    public string DefaultScheduler => Schedulers[0];
}
