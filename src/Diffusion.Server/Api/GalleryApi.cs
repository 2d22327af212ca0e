using Diffusion.Server.Identity;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Api.Requests;
using Diffusion.Server.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server.Api;

/// <summary>The caller's stored images for the browser gallery: newest first, filterable.</summary>
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

    public static Results<Ok<GalleryList>, JsonHttpResult<ErrorResponse>> ListGallery(HttpContext context, [FromServices] ImageStore store)
    {
        var request = context.Request;
        var query = GalleryQueryParser.Parse(request.Query);
        if (!query.IsValid) return query.Error.ToResult();

        // Only the caller's tenant's images: the listing never shows another tenant's prompts.
        var page = store.List(query.Value with { Tenant = context.Caller().Tenant });
        var baseUrl = ImageResponses.BaseUrl(request);
        var items = page.Items.Select(r => ImageResponses.ToGalleryItem(r, baseUrl)).ToList();
        var hasMore = query.Value.Offset + items.Count < page.Total;
        return TypedResults.Ok(new GalleryList("list", items, page.Total, query.Value.Offset, query.Value.Limit, hasMore));
    }
}
