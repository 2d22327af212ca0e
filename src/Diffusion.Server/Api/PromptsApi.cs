using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Generation;
using Diffusion.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Api;

/// <summary>Reads a prompt against the served model's vocabulary before it is sent, so a user learns what will be ignored.</summary>
public static class PromptsApi
{
    public static IEndpointRouteBuilder MapPromptsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/prompts/check", Check)
            .WithTags("Models")
            .WithName("CheckPrompt")
            .WithSummary("The objects a prompt names in the model's vocabulary and the words the model does not know.");
        return app;
    }

    public static Results<Ok<PromptCheck>, JsonHttpResult<ErrorResponse>> Check(
        [FromQuery] string? prompt, [FromServices] IImageGenerator generator, [FromServices] IOptions<ServerOptions> options)
    {
        if (generator.Model.Vocabulary is not { } vocabulary)
            return ApiError.NotFound($"the served model '{generator.Model.Id}' has no vocabulary: it takes any prompt").ToResult();
        if (string.IsNullOrWhiteSpace(prompt))
            return ApiError.Invalid("prompt is required", "prompt").ToResult();
        if (prompt.Length > options.Value.MaxPromptLength)
            return ApiError.Invalid($"prompt must be at most {options.Value.MaxPromptLength} characters; it is {prompt.Length}", "prompt").ToResult();

        var check = vocabulary.Check(prompt);
        var warning = check.UnknownWords.Count == 0 ? null
            : $"This model does not know {Quote(check.UnknownWords)} and will ignore {(check.UnknownWords.Count == 1 ? "it" : "them")}. "
              + $"It draws {vocabulary.Vocabulary.Objects.Count} objects such as "
              + string.Join(", ", vocabulary.Vocabulary.Objects.Take(5).Select(o => o.Name)) + ", on plain coloured backgrounds.";
        return TypedResults.Ok(new PromptCheck(check.Objects, check.UnknownWords, warning));
    }

    private static string Quote(IReadOnlyList<string> words)
    {
        var quoted = words.Take(6).Select(w => $"“{w}”").ToList();
        if (words.Count > 6) quoted.Add($"{words.Count - 6} more");
        return quoted.Count == 1 ? quoted[0] : string.Join(", ", quoted[..^1]) + " or " + quoted[^1];
    }
}
