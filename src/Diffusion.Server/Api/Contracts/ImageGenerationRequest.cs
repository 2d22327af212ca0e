namespace Diffusion.Server.Api.Contracts;

/// <summary>
/// The body of <c>POST /v1/images/generations</c> and <c>POST /v1/jobs</c> as sent, before range checks.
/// OpenAI's fields plus our extensions (seed, steps, guidance_scale, negative_prompt, scheduler,
/// cache, expand_prompt, slo, deadline_ms, output_reuse). <c>quality</c> and <c>style</c> are accepted and ignored because OpenAI
/// clients send them routinely; <c>model</c>, when given, must name the served model.
/// </summary>
public sealed record ImageGenerationRequest
{
    public string? Prompt { get; init; }
    public long? N { get; init; }
    public string? Size { get; init; }
    public string? ResponseFormat { get; init; }
    public string? User { get; init; }
    public string? Model { get; init; }
    public string? Quality { get; init; }
    public string? Style { get; init; }
    public long? Seed { get; init; }
    public long? Steps { get; init; }
    public double? GuidanceScale { get; init; }
    public string? NegativePrompt { get; init; }
    public string? Scheduler { get; init; }
    public string? Cache { get; init; }
    public bool? ExpandPrompt { get; init; }
    public string? Slo { get; init; }
    public long? DeadlineMs { get; init; }
    public double? OutputReuse { get; init; }
}
