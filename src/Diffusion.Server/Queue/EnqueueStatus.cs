namespace Diffusion.Server.Queue;

/// <summary>Whether work was accepted by the <see cref="GenerationQueue"/>; Full means "try later" (429).</summary>
public enum EnqueueStatus
{
    Accepted,
    Full,
}
