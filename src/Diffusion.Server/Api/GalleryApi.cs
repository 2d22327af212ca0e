using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Api.Requests;
using Diffusion.Server.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server.Api;

/// <summary>The stored images for the browser gallery: newest first, filterable.</summary>
public static class GalleryApi
{
    public static IEndpointRouteBuilder MapGalleryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/gallery", ListGallery)
            .WithTags("Gallery")
            .WithName("ListGallery")
            .WithSummary("Stored images, newest first; filters: q, since, until, cache=hit|miss|any, limit, offset.");
        return app;
    }

    public static Results<Ok<GalleryList>, JsonHttpResult<ErrorResponse>> ListGallery(HttpRequest request, [FromServices] ImageStore store)
    {
        var query = GalleryQueryParser.Parse(request.Query);
        if (!query.IsValid) return query.Error.ToResult();

        var page = store.List(query.Value);
        var baseUrl = ImageResponses.BaseUrl(request);
        var items = page.Items.Select(r => ImageResponses.ToGalleryItem(r, baseUrl)).ToList();
        var hasMore = query.Value.Offset + items.Count < page.Total;
        return TypedResults.Ok(new GalleryList("list", items, page.Total, query.Value.Offset, query.Value.Limit, hasMore));
    }
}
