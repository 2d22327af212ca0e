namespace Diffusion.Server.Jobs;

/// <summary>Where a job is. Succeeded, Failed and Cancelled are final.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
