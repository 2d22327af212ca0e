namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Every route the server maps (the Map* calls in src/Diffusion.Server/Api and the web UI), with the
/// methods each accepts, so the fuzzer can aim at each one and send each a wrong method.
/// </summary>
public static class RouteCatalog
{
    public sealed record Route(string Template, IReadOnlyList<string> Methods);

    public static IReadOnlyList<Route> Routes { get; } =
    [
        new("/v1/images/generations", ["POST"]),
        new("/v1/images/{id}", ["GET"]),
        new("/v1/images/{id}/metadata", ["GET"]),
        new("/v1/jobs", ["POST"]),
        new("/v1/jobs/{id}", ["GET", "DELETE"]),
        new("/v1/jobs/{id}/events", ["GET"]),
        new("/v1/models", ["GET"]),
        new("/v1/models/{id}", ["GET"]),
        new("/v1/gallery", ["GET"]),
        new("/v1/prompts/check", ["GET"]),
        new("/healthz", ["GET"]),
        new("/metrics", ["GET"]),
        new("/v1/metrics", ["GET"]),
        new("/openapi/v1.json", ["GET"]),
        new("/", ["GET", "HEAD"]),
        new("/dashboard", ["GET", "HEAD"]),
    ];

    /// <summary>Files of the web UI that static files serve (GET and HEAD only).</summary>
    public static IReadOnlyList<string> StaticFiles { get; } =
        ["/index.html", "/dashboard.html", "/css/site.css", "/js/gallery/main.js", "/js/nothing.js", "/img/missing.png"];

    /// <summary>Methods sent to routes that do not accept them; custom tokens included, as HTTP allows them.</summary>
    public static IReadOnlyList<string> Methods { get; } =
        ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO", "M-SEARCH"];

    /// <summary>Paths the server treats as API routes: any 4xx there reaches the app's error handling.</summary>
    public static bool IsApiPath(string path) =>
        path.StartsWith("/v1/", StringComparison.Ordinal) || path is "/v1" or "/healthz" or "/metrics"
        || path.StartsWith("/openapi/", StringComparison.Ordinal);
}
