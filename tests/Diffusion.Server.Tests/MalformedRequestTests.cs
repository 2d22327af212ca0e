using System.Net;
using System.Text;
using Diffusion.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Diffusion.Server.Tests;

/// <summary>
/// One hundred and more malformed requests: each must get the expected 4xx with an OpenAI-style
/// error whose message says what is wrong; afterwards the server still answers and generates.
/// </summary>
public sealed class MalformedRequestTests(ITestOutputHelper output) : IDisposable
{
    private const string Generations = "/v1/images/generations";
    private readonly DiffusionServerFactory factory = new();

    public void Dispose() => factory.Dispose();

    private sealed record Case(string Name, Func<HttpRequestMessage> Request, HttpStatusCode Status, string MessageContains, string? Param = null);

    private static Case Json(string name, string json, string contains, string? param = null, HttpStatusCode status = HttpStatusCode.BadRequest, string path = Generations) =>
        new(name, () => new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") },
            status, contains, param);

    private static Case Raw(string name, byte[] body, string? contentType, string contains, HttpStatusCode status) =>
        new(name, () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = null;
            if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return new HttpRequestMessage(HttpMethod.Post, Generations) { Content = content };
        }, status, contains);

    private static Case Get(string name, string path, string contains, HttpStatusCode status, string? param = null, HttpMethod? method = null) =>
        new(name, () => new HttpRequestMessage(method ?? HttpMethod.Get, path), status, contains, param);

    private static IEnumerable<Case> Cases()
    {
        // Not JSON, or not an object.
        foreach (var (name, body) in new[]
                 {
                     ("open brace", "{"), ("close brace", "}"), ("open bracket", "["), ("missing value", "{\"prompt\":}"),
                     ("single quotes", "{'prompt':'x'}"), ("form encoding", "prompt=x"), ("trailing comma", "{\"prompt\":\"x\",}"),
                     ("trailing garbage", "{\"prompt\":\"x\"} extra"), ("bare word", "nul"), ("comment", "{/*c*/\"prompt\":\"x\"}"),
                     ("unterminated string", "{\"prompt\":\"x}"), ("two objects", "{}{}"),
                 })
            yield return Json($"bad JSON: {name}", body, "not valid JSON");
        var deep = new string('[', 40) + new string(']', 40);
        yield return Json("bad JSON: nested too deep", "{\"prompt\":" + deep + "}", "not valid JSON");
        foreach (var (name, body, kind) in new[]
                 {
                     ("string", "\"a fox\"", "the string"), ("array", "[{\"prompt\":\"x\"}]", "an array"), ("number", "42", "the number"),
                     ("null", "null", "null"), ("boolean", "true", "the boolean"),
                 })
            yield return Json($"root is {name}", body, $"must be a JSON object; it is {kind}");

        // Missing or empty prompt.
        yield return Json("empty object", "{}", "prompt is required", "prompt");
        yield return Json("null prompt", "{\"prompt\":null}", "prompt is required", "prompt");
        yield return Json("only other fields", "{\"n\":1,\"steps\":10}", "prompt is required", "prompt");
        foreach (var blank in new[] { "", " ", "\\n\\t", "\\u00a0 " })
            yield return Json($"blank prompt '{blank}'", $"{{\"prompt\":\"{blank}\"}}", "prompt must not be empty", "prompt");
        yield return Json("NUL in prompt", "{\"prompt\":\"a\\u0000b\"}", "NUL", "prompt");

        // Too long.
        yield return Json("100 kB prompt", $"{{\"prompt\":\"{new string('a', 100_000)}\"}}", "prompt is 100000 characters long; at most 1000", "prompt");
        yield return Json("prompt one over", $"{{\"prompt\":\"{new string('b', 1001)}\"}}", "at most 1000", "prompt");
        yield return Json("100 kB negative prompt", $"{{\"prompt\":\"x\",\"negative_prompt\":\"{new string('c', 100_000)}\"}}",
            "negative_prompt is 100000 characters long", "negative_prompt");
        yield return Json("long user", $"{{\"prompt\":\"x\",\"user\":\"{new string('u', 300)}\"}}", "user is 300 characters", "user");
        yield return Raw("2 MB body", Encoding.UTF8.GetBytes($"{{\"prompt\":\"{new string('a', 2_000_000)}\"}}"), "application/json",
            "at most 1048576", HttpStatusCode.RequestEntityTooLarge);

        // Wrong JSON types.
        foreach (var (field, value, expected) in new[]
                 {
                     ("prompt", "5", "a string"), ("prompt", "true", "a string"), ("prompt", "[\"a\"]", "a string"), ("prompt", "{}", "a string"),
                     ("n", "\"2\"", "an integer"), ("n", "true", "an integer"), ("n", "[]", "an integer"), ("n", "{}", "an integer"),
                     ("steps", "\"10\"", "an integer"), ("steps", "false", "an integer"),
                     ("seed", "\"1\"", "an integer"), ("seed", "[1]", "an integer"),
                     ("guidance_scale", "\"7\"", "a number"), ("guidance_scale", "true", "a number"), ("guidance_scale", "[]", "a number"),
                     ("expand_prompt", "\"yes\"", "true or false"), ("expand_prompt", "1", "true or false"), ("expand_prompt", "\"true\"", "true or false"),
                     ("size", "64", "a string"), ("size", "[\"64x64\"]", "a string"),
                     ("scheduler", "1", "a string"), ("cache", "true", "a string"), ("response_format", "1", "a string"),
                     ("user", "5", "a string"), ("negative_prompt", "5", "a string"), ("model", "5", "a string"),
                 })
        {
            var body = field == "prompt" ? $"{{\"prompt\":{value}}}" : $"{{\"prompt\":\"x\",\"{field}\":{value}}}";
            yield return Json($"{field} = {value}", body, $"{field} must be {expected}", field);
        }
        // Found by the fuzzer: JSON allows an unpaired surrogate escape, which System.Text.Json parses but refuses to read (was a 500).
        yield return Json("lone surrogate in prompt", "{\"prompt\":\"\\ud800\"}", "prompt holds an unpaired UTF-16 surrogate", "prompt");
        yield return Json("lone low surrogate in scheduler", "{\"prompt\":\"x\",\"scheduler\":\"x\\udc00\"}", "scheduler holds an unpaired", "scheduler");
        yield return Json("lone surrogate in a parameter name", "{\"prompt\":\"x\",\"\\ud83d\":1}", "a parameter name holds an unpaired UTF-16 surrogate");
        yield return Json("n fractional", "{\"prompt\":\"x\",\"n\":1.5}", "n must be an integer", "n");
        yield return Json("steps fractional", "{\"prompt\":\"x\",\"steps\":10.5}", "steps must be an integer", "steps");
        yield return Json("seed fractional", "{\"prompt\":\"x\",\"seed\":1.25}", "seed must be an integer", "seed");
        yield return Json("guidance overflow", "{\"prompt\":\"x\",\"guidance_scale\":1e400}", "guidance_scale is out of range", "guidance_scale");

        // Out of range.
        foreach (var n in new[] { "0", "-1", "5", "1000", "1e20" })
            yield return Json($"n = {n}", $"{{\"prompt\":\"x\",\"n\":{n}}}", "n ", "n");
        foreach (var steps in new[] { "0", "-5", "151", "100000", "99999999999999999999" })
            yield return Json($"steps = {steps}", $"{{\"prompt\":\"x\",\"steps\":{steps}}}", "steps ", "steps");
        foreach (var guidance in new[] { "-1", "-0.01", "31", "1e9" })
            yield return Json($"guidance = {guidance}", $"{{\"prompt\":\"x\",\"guidance_scale\":{guidance}}}", "guidance_scale must be between 0 and 30", "guidance_scale");
        foreach (var seed in new[] { "-1", "9007199254740992", "1e300" })
            yield return Json($"seed = {seed}", $"{{\"prompt\":\"x\",\"seed\":{seed}}}", "seed ", "seed");

        // Unknown vocabulary.
        foreach (var size in new[] { "512x512", "64", "x", "64x64x64", "abc", "-64x64", "0x0", "64X64", " 64x64" })
            yield return Json($"size '{size}'", $"{{\"prompt\":\"x\",\"size\":\"{size}\"}}", "supported sizes: 64x64, 32x48", "size");
        foreach (var scheduler in new[] { "pndm", "ddimx", "", "dpm++" })
            yield return Json($"scheduler '{scheduler}'", $"{{\"prompt\":\"x\",\"scheduler\":\"{scheduler}\"}}", "use one of: ddim, euler, dpm++2m", "scheduler");
        foreach (var cache in new[] { "on", "AUTO", "" })
            yield return Json($"cache '{cache}'", $"{{\"prompt\":\"x\",\"cache\":\"{cache}\"}}", "use one of: auto, off, refresh", "cache");
        foreach (var slo in new[] { "urgent", "Batch", "" })
            yield return Json($"slo '{slo}'", $"{{\"prompt\":\"x\",\"slo\":\"{slo}\"}}", "use interactive or batch", "slo");
        foreach (var deadline in new[] { "0", "-5", "3600001" })
            yield return Json($"deadline_ms {deadline}", $"{{\"prompt\":\"x\",\"deadline_ms\":{deadline}}}", "deadline_ms must be between 1 and 3600000", "deadline_ms");
        foreach (var reuse in new[] { "-0.1", "10.5", "1e9" })
            yield return Json($"output_reuse {reuse}", $"{{\"prompt\":\"x\",\"output_reuse\":{reuse}}}", "output_reuse must be between 0 (off) and 10", "output_reuse");
        yield return Json("deadline_ms on batch work", "{\"prompt\":\"x\",\"slo\":\"batch\",\"deadline_ms\":500}", "batch work has no deadline", "deadline_ms");
        foreach (var format in new[] { "png", "URL", "" })
            yield return Json($"response_format '{format}'", $"{{\"prompt\":\"x\",\"response_format\":\"{format}\"}}", "use one of: b64_json, url", "response_format");
        yield return Json("model dall-e-3", "{\"prompt\":\"x\",\"model\":\"dall-e-3\"}", "available: test-model", "model");

        // Unknown and repeated parameters.
        yield return Json("unknown foo", "{\"prompt\":\"x\",\"foo\":1}", "unknown parameter 'foo'", "foo");
        yield return Json("wrong case Prompt", "{\"Prompt\":\"x\"}", "did you mean 'prompt'", "Prompt");
        yield return Json("camel case negativePrompt", "{\"prompt\":\"x\",\"negativePrompt\":\"y\"}", "did you mean 'negative_prompt'", "negativePrompt");
        yield return Json("diffusers name", "{\"prompt\":\"x\",\"num_inference_steps\":20}", "unknown parameter 'num_inference_steps'", "num_inference_steps");
        yield return Json("width", "{\"prompt\":\"x\",\"width\":64}", "unknown parameter 'width'", "width");
        yield return Json("duplicate prompt", "{\"prompt\":\"a\",\"prompt\":\"b\"}", "appears more than once", "prompt");

        // Content type and encoding.
        var good = Encoding.UTF8.GetBytes("{\"prompt\":\"x\"}");
        yield return Raw("text/plain", good, "text/plain", "Content-Type 'text/plain' is not supported", HttpStatusCode.UnsupportedMediaType);
        yield return Raw("form", good, "application/x-www-form-urlencoded", "application/json", HttpStatusCode.UnsupportedMediaType);
        yield return Raw("multipart", good, "multipart/form-data; boundary=x", "application/json", HttpStatusCode.UnsupportedMediaType);
        yield return Raw("no content type", good, null, "no Content-Type", HttpStatusCode.UnsupportedMediaType);
        yield return Raw("latin1 charset", good, "application/json; charset=latin1", "must be UTF-8", HttpStatusCode.UnsupportedMediaType);
        yield return Raw("malformed content type", good, "///", "malformed", HttpStatusCode.UnsupportedMediaType);
        yield return Raw("invalid UTF-8", [.. "{\"prompt\":\""u8, 0xFF, 0xFE, .. "\"}"u8], "application/json", "not valid UTF-8", HttpStatusCode.BadRequest);
        yield return Raw("empty body", [], "application/json", "request body is missing", HttpStatusCode.BadRequest);
        yield return new Case("no body at all", () => new HttpRequestMessage(HttpMethod.Post, Generations), HttpStatusCode.BadRequest, "request body is missing");

        // Wrong methods and routes.
        yield return Get("GET generations", Generations, "method GET is not allowed on /v1/images/generations", HttpStatusCode.MethodNotAllowed);
        yield return Get("DELETE generations", Generations, "method DELETE is not allowed", HttpStatusCode.MethodNotAllowed, method: HttpMethod.Delete);
        yield return Get("POST healthz", "/healthz", "method POST is not allowed on /healthz", HttpStatusCode.MethodNotAllowed, method: HttpMethod.Post);
        yield return Get("PUT generations", Generations, "method PUT is not allowed", HttpStatusCode.MethodNotAllowed, method: HttpMethod.Put);
        yield return Get("unknown route", "/v1/images/edits/x", "no endpoint GET /v1/images/edits/x", HttpStatusCode.NotFound);
        // Found by the fuzzer: the OpenAPI route took any document name and answered others with a text/plain 404.
        yield return Get("unknown OpenAPI document", "/openapi/v2.json", "no endpoint GET /openapi/v2.json", HttpStatusCode.NotFound);

        // Jobs.
        yield return Json("job with n=2", "{\"prompt\":\"x\",\"n\":2}", "a job makes one image; n must be 1", "n", path: "/v1/jobs");
        yield return Json("job without prompt", "{}", "prompt is required", "prompt", path: "/v1/jobs");
        yield return Get("unknown job", "/v1/jobs/job_000000000000000000000000", "no job 'job_000000000000000000000000'", HttpStatusCode.NotFound, "id");
        yield return Get("malformed job id", "/v1/jobs/../etc", "no endpoint", HttpStatusCode.NotFound);
        yield return Get("bad job id", "/v1/jobs/12345", "job ids look like", HttpStatusCode.NotFound, "id");
        yield return Get("cancel unknown job", "/v1/jobs/job_ffffffffffffffffffffffff", "no job", HttpStatusCode.NotFound, "id", HttpMethod.Delete);

        // Images and gallery.
        yield return Get("image traversal", "/v1/images/..%2F..%2Fetc%2Fpasswd", "is not an image id", HttpStatusCode.BadRequest, "id");
        yield return Get("image bad id", "/v1/images/img_zzzzzzzzzzzzzzzzzzzz", "is not an image id", HttpStatusCode.BadRequest, "id");
        yield return Get("image upper-case id", "/v1/images/IMG_00000000000000000000", "is not an image id", HttpStatusCode.BadRequest, "id");
        yield return Get("image missing", "/v1/images/img_00000000000000000000", "no image 'img_00000000000000000000'", HttpStatusCode.NotFound, "id");
        yield return Get("gallery limit 0", "/v1/gallery?limit=0", "limit must be an integer between 1 and 500", HttpStatusCode.BadRequest, "limit");
        yield return Get("gallery limit abc", "/v1/gallery?limit=abc", "limit must be", HttpStatusCode.BadRequest, "limit");
        yield return Get("gallery offset -1", "/v1/gallery?offset=-1", "offset must be a non-negative integer", HttpStatusCode.BadRequest, "offset");
        yield return Get("gallery cache maybe", "/v1/gallery?cache=maybe", "use hit, miss or any", HttpStatusCode.BadRequest, "cache");
        yield return Get("gallery since", "/v1/gallery?since=yesterday", "ISO 8601", HttpStatusCode.BadRequest, "since");
        yield return Get("gallery unknown", "/v1/gallery?prompt=fox", "unknown query parameter 'prompt'", HttpStatusCode.BadRequest, "prompt");
        yield return Get("gallery repeated", "/v1/gallery?q=a&q=b", "appears more than once", HttpStatusCode.BadRequest, "q");
        yield return Get("unknown model", "/v1/models/dall-e-3", "no model 'dall-e-3'", HttpStatusCode.NotFound, "id");
    }

    [Fact]
    public async Task Get_on_generations_is_a_wrong_method_that_names_post()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(Generations);
        await ApiAssert.ErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method GET is not allowed");
        Assert.Equal(["POST"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Every_malformed_request_gets_a_specific_4xx_and_the_server_stays_up()
    {
        using var client = factory.CreateClient();
        var cases = Cases().ToList();
        Assert.True(cases.Count >= 100, $"only {cases.Count} cases");
        output.WriteLine($"{cases.Count} malformed requests");
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());

        var failures = new List<string>();
        foreach (var test in cases)
        {
            using var response = await client.SendAsync(test.Request());
            try
            {
                await ApiAssert.ErrorAsync(response, test.Status, test.MessageContains, test.Param);
                Assert.InRange((int)response.StatusCode, 400, 499);
                // A wrong method names the right ones (RFC 9110 §15.5.6).
                if (test.Status == HttpStatusCode.MethodNotAllowed)
                    Assert.NotEmpty(response.Content.Headers.Allow.Concat(response.Headers.TryGetValues("Allow", out var allow) ? allow : []));
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException or System.Text.Json.JsonException)
            {
                failures.Add($"{test.Name}: {ex.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Empty(factory.Generator.Calls);
        Assert.DoesNotContain(factory.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var good = await client.GenerateAsync(new { prompt = "after the storm", seed = 3 });
        var json = await ApiAssert.JsonAsync(good);
        Assert.Equal(3, json.GetProperty("data")[0].GetProperty("seed").GetInt64());
    }
}
