using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Images;
using Diffusion.Server.Running;
using Microsoft.AspNetCore.Http;

namespace Diffusion.Server.Api;

/// <summary>Builds the wire shapes of generated and stored images.</summary>
public static class ImageResponses
{
    /// <summary>Scheme, host and path base of a request, to make absolute URLs as OpenAI returns.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    public static string ImageUrl(string baseUrl, ImageId id) => $"{baseUrl}/v1/images/{id}";

    public static ImagesResponse ToImagesResponse(GenerationResult result, ResponseFormat format, string baseUrl, DateTimeOffset created) =>
        new(created.ToUnixTimeSeconds(), result.Images.Select(i => ToImageData(i, format, baseUrl)).ToList(), result.Timings);

    public static JobResult ToJobResult(GenerationResult result, ResponseFormat format, string baseUrl)
    {
        var data = ToImageData(result.Images[0], format, baseUrl);
        return new JobResult(data.Id, data.B64Json, data.Url, data.RevisedPrompt, data.Seed, data.Cache, result.Timings)
        {
            Expansion = data.Expansion,
            Warnings = data.Warnings,
        };
    }

    public static GalleryItem ToGalleryItem(ImageRecord record, string baseUrl)
    {
        var m = record.Metadata;
        return new GalleryItem(
            record.Id.Value, ImageUrl(baseUrl, record.Id), record.Created.ToUnixTimeSeconds(), m.Model, m.Prompt,
            m.NegativePrompt, m.RevisedPrompt, m.Seed, $"{m.Width}x{m.Height}", m.Steps, m.GuidanceScale, m.Scheduler,
            m.CacheMode, m.ExpandPrompt, m.User, m.Cache.ForClient(), m.Timings);
    }

    private static ImageData ToImageData(GeneratedImageRecord image, ResponseFormat format, string baseUrl) => new(
        Id: image.Record.Id.Value,
        B64Json: format == ResponseFormat.B64Json ? Convert.ToBase64String(image.Image.Png) : null,
        Url: format == ResponseFormat.Url ? ImageUrl(baseUrl, image.Record.Id) : null,
        RevisedPrompt: image.Image.RevisedPrompt,
        Seed: image.Record.Metadata.Seed,
        Cache: image.Image.Cache.ForClient())
    {
        Expansion = image.Image.Expansion,
        Warnings = image.Image.Warnings,
    };
}
