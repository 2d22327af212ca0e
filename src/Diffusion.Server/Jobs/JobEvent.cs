namespace Diffusion.Server.Jobs;

/// <summary>
/// One Server-Sent Event of a job: <see cref="Type"/> is "progress", "result" or "error";
/// <see cref="Data"/> is serialized as the event's JSON data.
/// </summary>
public sealed record JobEvent(string Type, object Data)
{
    public const string Progress = "progress";
    public const string Result = "result";
    public const string Error = "error";
}
