using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// The request grammar over every route: generation and job bodies, ids, gallery and prompt-check
/// queries, the service endpoints, static web paths, unknown paths, and each route with methods it
/// does not accept; any of them may carry extra headers (garbage Authorization, oversized ones).
/// Generators here and in the other grammar files are properties built on each read, not stored
/// fields, so their order in a file cannot leave one null while another is initialised.
/// </summary>
public static class FuzzRequests
{
    public static readonly string[] UnknownPaths =
    [
        "/v1/images/edits", "/v1/images/variations", "/v2/models", "/v1", "/v1/", "//v1/models", "/v1/models/", "/V1/MODELS", "/healthz/",
        "/metrics.json", "/openapi/v2.json", "/v1/jobs/job_000000000000000000000000/events/more", "/v1/images//metadata",
        "/v1/gallery/", "/v1/prompts", "/v1/prompts/check/", "/.env", "/.git/config", "/web/index.html", "/appsettings.json",
        "/Diffusion.Server.dll", "/index.html%00.png", "/css/site.css/", "/CSS/SITE.CSS", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
        "/css/../../appsettings.json", "/js/%2e%2e/%2e%2e/Diffusion.Server.dll", "/css/..%5c..%5cappsettings.json", "//etc/passwd",
        "/js/gallery/../../../Diffusion.Cli.dll", "/css/..\\..\\appsettings.json", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "*", "http://127.0.0.1/v1/models", "/v1/models?", "/?%ff", "/dashboard/x", "/index.html?x=%ff%fe",
    ];

    /// <summary>Each route with a method it does not map; POST-shaped ones keep a valid body so only the method is wrong.</summary>
    private static Gen<FuzzRequest> WrongMethod =>
        Gen.Elements(RouteCatalog.Routes.ToArray()).SelectMany(route =>
            Gen.Elements(RouteCatalog.Methods.Where(m => !route.Methods.Contains(m)).ToArray()).Select(method =>
            {
                var target = route.Template.Replace("/v1/jobs/{id}", "/v1/jobs/" + KnownIds.JobToken, StringComparison.Ordinal)
                    .Replace("{id}", route.Template.StartsWith("/v1/models", StringComparison.Ordinal) ? "test-model" : KnownIds.ImageToken,
                        StringComparison.Ordinal);
                var body = method is "POST" or "PUT" or "PATCH" ? FuzzBody.Text("{\"prompt\":\"a red fox\"}") : null;
                return new FuzzRequest("wrong method", $"{method} on {route.Template}", method, target,
                    body is null ? [] : [("Content-Type", "application/json")], body, Expectation.NeverSuccess);
            }));

    public static Gen<FuzzRequest> Any => Gen.Frequency(
        (14, Generation("/v1/images/generations", Expectation.GenerationBody)),
        (8, Generation("/v1/jobs", Expectation.JobBody)),
        (4, PathSegments.ImageId.Select(id => Get("GET /v1/images/{id}", "/v1/images/" + id, Expectation.ImageId))),
        (3, PathSegments.ImageId.Select(id => Get("GET /v1/images/{id}/metadata", $"/v1/images/{id}/metadata", Expectation.ImageId))),
        (3, PathSegments.JobId.Select(id => Get("GET /v1/jobs/{id}", "/v1/jobs/" + id, Expectation.JobId))),
        (2, PathSegments.JobId.Select(id => Get("DELETE /v1/jobs/{id}", "/v1/jobs/" + id, Expectation.JobId) with { Method = "DELETE" })),
        (2, PathSegments.JobId.Select(id => Get("GET /v1/jobs/{id}/events", $"/v1/jobs/{id}/events", Expectation.JobId))),
        (1, Get("GET /v1/models", "/v1/models", Expectation.AnySuccess).Pipe(WithJunkQuery)),
        (2, PathSegments.ModelId.Select(id => Get("GET /v1/models/{id}", "/v1/models/" + id, Expectation.ModelId))),
        (5, Gen.OneOf(QueryStrings.Gallery.Select(q => "?" + q), Gen.Constant("")).Select(q => Get("GET /v1/gallery", "/v1/gallery" + q, Expectation.GalleryQuery))),
        (4, QueryStrings.PromptCheck.Select(q => Get("GET /v1/prompts/check", "/v1/prompts/check?" + q, Expectation.PromptQuery))),
        (3, Gen.Elements("/healthz", "/metrics", "/v1/metrics", "/openapi/v1.json")
            .SelectMany(path => Get($"GET {path}", path, Expectation.AnySuccess).Pipe(WithJunkQuery))),
        (3, Gen.Elements([.. RouteCatalog.StaticFiles, "/", "/dashboard"]).Zip(Gen.Elements("GET", "GET", "HEAD"))
            .Select(p => Get("static web", p.Item1, Expectation.WebFileOnly) with { Method = p.Item2 })),
        (3, Gen.Elements(UnknownPaths).Select(path => Get("unknown path", path, Expectation.WebFileOnly))),
        (6, WrongMethod),
        (1, BrokenChunks))
        .SelectMany(request => HeaderValues.Extra.Select(extra => request with { Headers = [.. request.Headers, .. extra] }));

    private static Gen<FuzzRequest> Generation(string path, Expectation expect) =>
        GenerationBodies.Any.Zip(HeaderValues.ContentType, (body, contentType) => new FuzzRequest(
            $"POST {path}", body.Recipe, "POST", path, contentType is null ? [] : [("Content-Type", contentType)], body.Body, expect));

    /// <summary>
    /// Chunked bodies whose framing is broken but complete (so the server never waits for more): Kestrel
    /// fails the app's body read, and the app's error handling must still answer with a JSON 400.
    /// </summary>
    private static Gen<FuzzRequest> BrokenChunks =>
        Gen.Elements("zz\r\n{}\r\n0\r\n\r\n", "2\r\n{\"prompt\":\"x\"}\r\n0\r\n\r\n", "-1\r\n{}\r\n0\r\n\r\n",
                "ffffffffffffffff\r\n{}\r\n0\r\n\r\n", "2;ext=\"x\r\n{}\r\n0\r\n\r\n", "2\r\n{}0\r\n\r\n", "2\n{}\n0\n\n")
            .Zip(Gen.Elements("/v1/images/generations", "/v1/jobs"))
            .Select(p => new FuzzRequest($"POST {p.Item2}", "broken chunked framing", "POST", p.Item2,
                [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")], FuzzBody.Text(p.Item1), Expectation.AnySuccess));

    private static FuzzRequest Get(string endpoint, string target, Expectation expect) =>
        new(endpoint, endpoint, "GET", target, [], null, expect);

    private static Gen<FuzzRequest> WithJunkQuery(FuzzRequest request) =>
        Gen.Elements("", "", "?x=1", "?%ff=%fe", "?a&&b=", "?" + new string('q', 3000), "?limit=-1").Select(q => request with { Target = request.Target + q });

    private static Gen<FuzzRequest> Pipe(this FuzzRequest request, Func<FuzzRequest, Gen<FuzzRequest>> next) => next(request);
}
