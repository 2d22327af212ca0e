using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Api;

/// <summary>
/// The browser UI: the gallery at <c>/</c>, the dashboard at <c>/dashboard</c>, and their scripts and
/// styles as static files from <see cref="WebUiOptions.ResolvedDirectory"/> (the repository's
/// <c>web/</c>, copied beside the assemblies at build). Plain files, no build step, nothing from a CDN.
/// A missing folder does not stop the API: the pages answer 503 naming the problem, logged at start-up.
/// </summary>
public static class WebUi
{
    /// <summary>Page routes and the file each serves.</summary>
    public static IReadOnlyDictionary<string, string> Pages { get; } = new Dictionary<string, string>
    {
        ["/"] = "index.html",
        ["/dashboard"] = "dashboard.html",
    };

    // Revalidate on every load (cheap with ETag/Last-Modified) so a new build is never hidden by a stale script.
    private const string CacheControl = "no-cache";
    private const string HtmlContentType = "text/html; charset=utf-8";

    /// <summary>Serves the UI's static files; place before routing so they skip endpoint matching.</summary>
    public static IApplicationBuilder UseWebUi(this IApplicationBuilder app)
    {
        var options = ReadOptions(app.ApplicationServices);
        if (options.Problem() is { } problem)
        {
            app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebUi).FullName!)
                .LogWarning("The web UI is not served: {Problem}", problem);
            return app;
        }

        var contentTypes = new FileExtensionContentTypeProvider();
        contentTypes.Mappings[".js"] = "text/javascript; charset=utf-8";
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(options.ResolvedDirectory),
            ContentTypeProvider = contentTypes,
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = CacheControl,
        });
    }

    /// <summary>The page routes: <c>/</c> (gallery) and <c>/dashboard</c>.</summary>
    public static IEndpointRouteBuilder MapWebUi(this IEndpointRouteBuilder endpoints)
    {
        var options = ReadOptions(endpoints.ServiceProvider);
        foreach (var (route, file) in Pages)
        {
            endpoints.MapMethods(route, [HttpMethods.Get, HttpMethods.Head], (HttpResponse response) => ServePage(options, file, response))
                .ExcludeFromDescription();
        }
        return endpoints;
    }

    private static Results<PhysicalFileHttpResult, JsonHttpResult<Contracts.ErrorResponse>> ServePage(
        WebUiOptions options, string file, HttpResponse response)
    {
        if (options.Problem() is { } problem) return ApiError.Unavailable($"the web UI is not installed: {problem}").ToResult();
        var path = Path.Combine(options.ResolvedDirectory, file);
        response.Headers.CacheControl = CacheControl;
        return TypedResults.PhysicalFile(path, HtmlContentType, lastModified: File.GetLastWriteTimeUtc(path));
    }

    private static WebUiOptions ReadOptions(IServiceProvider services)
    {
        var options = new WebUiOptions();
        services.GetRequiredService<IConfiguration>().GetSection(WebUiOptions.SectionName).Bind(options);
        return options;
    }
}
