using Diffusion.Cache.Adaptive;
using Diffusion.CacheStore;
using Diffusion.Lab.Bench;

namespace Diffusion.Lab.Evaluation.AdaptiveK;

/// <summary>Settings of <c>eval adaptive-k</c>; <see cref="Validate"/> names every problem.</summary>
public sealed record AdaptiveKEvaluationOptions : TraceReplayOptions
{
    /// <summary>Three replays (none, fixed, adaptive) of 50 steps: about 10 minutes on two free cores.</summary>
    public const int DefaultRequests = 600;

    public AdaptiveKEvaluationOptions()
    {
        Requests = DefaultRequests;
        Budget = ByteSize.Parse("512KB");
        Warmup = 0;   // every request counts: the systems are compared request by request, from empty caches alike
    }

    /// <summary>The adaptive table's settings (the service's defaults unless set).</summary>
    public AdaptiveKOptions Adaptive { get; init; } = new();

    /// <summary>Requests per point of the plot's rolling curves.</summary>
    public int Window { get; init; } = 60;

    protected override int MinimumRequests => 20;

    protected override string Subject => "adaptive K evaluation";

    protected override void CheckOwn(List<string> problems)
    {
        if (Window < 5 || Window > Requests / 2)
        {
            problems.Add($"the window is {Window} requests; use 5 up to half the trace ({Requests / 2}).");
        }
        try
        {
            Adaptive.Validate();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
    }

    public AdaptiveKEvaluationOptions Validate()
    {
        ThrowIfInvalid();
        return this;
    }
}
