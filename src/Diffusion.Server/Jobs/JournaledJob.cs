using System.Text.Json;
using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;
using Diffusion.Server.Api;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Generation;
using Diffusion.Server.Identity;
using Diffusion.Server.Running;

namespace Diffusion.Server.Jobs;

/// <summary>
/// A job as the journal keeps it: what to run (the plan, flattened to plain fields so the journal does not depend
/// on how the API's records serialize) and, once over, how it ended.
/// </summary>
public sealed record JournaledJob(
    JobId Id,
    DateTimeOffset Created,
    string BaseUrl,
    GenerationPlan Plan,
    JobStatus Status,
    DateTimeOffset? Finished,
    JobResult? Result,
    ApiError? Error)
{
    private static readonly JsonSerializerOptions Json = ApiJson.Options;

    public bool IsFinal => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    public static string WritePlan(GenerationPlan plan)
    {
        var s = plan.Spec;
        return JsonSerializer.Serialize(new PlanRow(s.Prompt, s.NegativePrompt, s.Width, s.Height, s.Steps, s.GuidanceScale, s.Seed,
            s.Scheduler, s.Cache, s.ExpandPrompt, s.User, s.Tenant.Value, s.CacheScope, plan.Count, plan.Format, plan.Model,
            ServiceLevel.Name(s.Slo), s.Deadline?.TotalMilliseconds), Json);
    }

    public static GenerationPlan ReadPlan(string json)
    {
        var row = JsonSerializer.Deserialize<PlanRow>(json, Json) ?? throw new JsonException("the journaled plan is null");
        var spec = new ImageGenerationSpec(row.Prompt, row.NegativePrompt, row.Width, row.Height, row.Steps, row.GuidanceScale, row.Seed,
            row.Scheduler, row.Cache, row.ExpandPrompt, row.User)
        {
            Tenant = new TenantId(row.Tenant),
            CacheScope = row.CacheScope,
            // rows journaled before the service level was kept read as interactive without a deadline
            Slo = ServiceLevel.TryParseClass(row.Slo, out var slo) ? slo : SloClass.Interactive,
            Deadline = row.DeadlineMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
        };
        return new GenerationPlan(spec, row.Count, row.Format, row.Model);
    }

    public static string? WriteResult(JobResult? result) => result is null ? null : JsonSerializer.Serialize(result, Json);

    public static JobResult? ReadResult(string? json) => json is null ? null : JsonSerializer.Deserialize<JobResult>(json, Json);

    public static string? WriteError(ApiError? error) =>
        error is null ? null : JsonSerializer.Serialize(new ErrorRow(error.Status, error.Message, error.Type, error.Param, error.Code), Json);

    public static ApiError? ReadError(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<ErrorRow>(json, Json) is { } e ? new ApiError(e.Status, e.Message, e.Type, e.Param, e.Code) : null;

    private sealed record PlanRow(
        string Prompt, string? NegativePrompt, int Width, int Height, int Steps, double GuidanceScale, long Seed, string Scheduler,
        CacheMode Cache, bool ExpandPrompt, string? User, string Tenant, CacheScope CacheScope, int Count, ResponseFormat Format, string Model,
        string? Slo = null, double? DeadlineMs = null);

    private sealed record ErrorRow(int Status, string Message, string Type, string? Param, string? Code);
}
