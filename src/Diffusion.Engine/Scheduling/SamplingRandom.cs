using Diffusion.Inference.Sampling;

namespace Diffusion.Engine.Scheduling;

/// <summary>
/// A sequence's own random stream (xoshiro256**, fully specified, so a seed gives the same tokens on every
/// machine and .NET version); each sample of a group gets its own stream of the group's seed, and the state
/// travels with the sequence through preemption.
/// </summary>
internal sealed class SamplingRandom(ulong seed, int stream)
{
    private readonly Xoshiro256 _bits = new(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(stream + 1)));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => _bits.NextUniform();
}
