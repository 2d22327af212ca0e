using System.Text;
using System.Text.Json;

namespace Diffusion.Server.Tests.Infrastructure;

public static class Http
{
    public static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static StringContent Json(string rawJson) => new(rawJson, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> GenerateAsync(this HttpClient client, object body, CancellationToken cancellationToken = default) =>
        client.PostAsync("/v1/images/generations", Json(body), cancellationToken);

    public static Task<HttpResponseMessage> CreateJobAsync(this HttpClient client, object body) =>
        client.PostAsync("/v1/jobs", Json(body));
}
