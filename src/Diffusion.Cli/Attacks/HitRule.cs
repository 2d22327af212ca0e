namespace Diffusion.Cli.Attacks;

/// <summary>
/// How an attacker decides that a probe met another tenant's entry of the very same prompt: the response says it
/// hit a shared entry at the repeat depth (the K its own repeats get; near prompts get less), or, when the response
/// shows no hit at all, the probe was faster than the calibrated latency threshold. A hit on its own entry says
/// nothing about other tenants: the lookup prefers the deepest K, so a shared repeat would have won over it.
/// </summary>
public sealed record HitRule(int RepeatK, double LatencyThresholdSeconds)
{
    public bool LooksCachedByOthers(Probe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return probe.Hit ? probe.Shared && probe.K >= RepeatK : probe.Seconds < LatencyThresholdSeconds;
    }
}
