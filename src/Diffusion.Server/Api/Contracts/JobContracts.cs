using System.Text.Json.Serialization;
using Diffusion.Server.Generation;
using Diffusion.Server.Jobs;

namespace Diffusion.Server.Api.Contracts;

/// <summary>The 202 answer of <c>POST /v1/jobs</c>.</summary>
public sealed record JobCreatedResponse(string Id, string Object, JobStatus Status, long Created, string EventsUrl);

/// <summary>The state of a job, as <c>GET /v1/jobs/{id}</c> and <c>DELETE /v1/jobs/{id}</c> answer it.</summary>
public sealed record JobResponse(
    string Id,
    string Object,
    JobStatus Status,
    long Created,
    long? StartedAt,
    long? FinishedAt,
    JobProgress? Progress,
    JobResult? Result,
    ErrorBody? Error,
    string EventsUrl);

/// <summary>The payload of a <c>progress</c> event: steps done, steps in total, estimated seconds left.</summary>
public sealed record JobProgress(int Step, int Total, double EtaS);

/// <summary>The payload of a <c>result</c> event: a generations response's <c>data[0]</c> plus <c>timings</c>.</summary>
public sealed record JobResult(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? B64Json,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    string? RevisedPrompt,
    long Seed,
    CacheReport Cache,
    IReadOnlyDictionary<string, double> Timings)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ExpansionReport? Expansion { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }
}
