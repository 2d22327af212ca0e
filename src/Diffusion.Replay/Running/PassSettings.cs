namespace Diffusion.Replay.Running;

/// <summary>What differs between the passes of one replay (cache on, cache off) and how they are paced.</summary>
public sealed record PassSettings(string Label, bool CacheOff, int? Steps, int Concurrency, TimeSpan DrainTimeout);
