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

/// <summary>OpenAI's model listing, with the sizes and schedulers a request may use.</summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/models").WithTags("Models");
        group.MapGet("", ListModels).WithName("ListModels").WithSummary("The served model.");
        group.MapGet("/{id}", GetModel).WithName("GetModel").WithSummary("One model by id.");
        return app;
    }

    public static Ok<ModelList> ListModels([FromServices] IImageGenerator generator, [FromServices] IOptions<ServerOptions> options) =>
        TypedResults.Ok(new ModelList("list", [Describe(generator.Model, options.Value)]));

    public static Results<Ok<ModelInfo>, JsonHttpResult<ErrorResponse>> GetModel(
        string id, [FromServices] IImageGenerator generator, [FromServices] IOptions<ServerOptions> options) =>
        id == generator.Model.Id
            ? TypedResults.Ok(Describe(generator.Model, options.Value))
            : ApiError.NotFound($"no model '{(id.Length <= 40 ? id : id[..40] + "...")}'; available: {generator.Model.Id}", "id").ToResult();

    private static ModelInfo Describe(ModelDescription model, ServerOptions options)
    {
        var maxSteps = Math.Min(model.MaxSteps, options.MaxSteps);
        return new ModelInfo(
            model.Id, "model", model.Created.ToUnixTimeSeconds(), model.OwnedBy,
            model.Sizes.Select(s => s.ToString()).ToList(), model.Schedulers,
            Math.Min(options.DefaultSteps, maxSteps), maxSteps)
        {
            Vocabulary = model.Vocabulary is { } words
                ? new VocabularyInfo(words.Vocabulary.ImageSize, words.Vocabulary.Objects, words.Vocabulary.Colours, words.Vocabulary.Textures,
                    words.Vocabulary.Sizes, words.Vocabulary.Positions, words.Vocabulary.Relations, words.ExamplePrompts())
                : null,
        };
    }
}
