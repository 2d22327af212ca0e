using System.Text.Json;
using Diffusion.Replay.Client;

namespace Diffusion.Replay.Tests;

public sealed class GenerationRequestBodyTests
{
    [Fact]
    public void Sends_url_format_and_only_the_fields_that_are_known()
    {
        using var full = JsonDocument.Parse(new GenerationRequestBody("a fox", "alice", 7, 4, CacheOff: true).ToJson());
        Assert.Equal(["prompt", "response_format", "user", "seed", "steps", "cache"], full.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("url", full.RootElement.GetProperty("response_format").GetString());
        Assert.Equal(7, full.RootElement.GetProperty("seed").GetInt64());
        Assert.Equal(4, full.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal("off", full.RootElement.GetProperty("cache").GetString());

        using var bare = JsonDocument.Parse(new GenerationRequestBody("a fox", null, null, null, CacheOff: false).ToJson());
        Assert.Equal(["prompt", "response_format"], bare.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
