using Diffusion.Server.Tests.Fuzzing;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Tests;

/// <summary>
/// Chunked bodies with broken framing, on a real Kestrel socket (the in-memory TestServer has no
/// chunked framing): the body read fails inside the app, and the answer must still be a JSON 400,
/// not a 500, and not an error in the log. Found by the fuzzer (Fuzzing/).
/// </summary>
public sealed class BrokenFramingTests
{
    [Theory]
    [InlineData("/v1/images/generations", "ffffffffffffffff\r\n{}\r\n0\r\n\r\n", "Bad chunk size data")]   // overflows: a plain IOException
    [InlineData("/v1/jobs", "zz\r\n{}\r\n0\r\n\r\n", "Bad chunk size data")]
    [InlineData("/v1/images/generations", "2\r\n{\"prompt\":\"x\"}\r\n0\r\n\r\n", "Bad chunk suffix")]
    public async Task A_misframed_chunked_body_is_a_json_400_and_not_logged_as_an_error(string path, string chunks, string message)
    {
        await using var host = await FuzzHost.StartAsync();
        var wire = host.CreateWireClient(TimeSpan.FromSeconds(20));
        var request = new FuzzRequest("POST " + path, "broken chunked framing", "POST", path,
            [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")], FuzzBody.Text(chunks), Expectation.AnySuccess);

        var response = await wire.SendAsync(request, CancellationToken.None);

        Assert.True(response.Status == 400, response.Describe());
        Assert.Null(ErrorBodyRules.Check(response));
        Assert.Contains("the request body could not be read: " + message, response.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Error);
    }
}
