using System.Net;
using Diffusion.Inference.Vocabulary;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

/// <summary>The served model's world in /v1/models and the prompt check, with the shipped vocabulary and without one.</summary>
public sealed class VocabularyApiTests : IDisposable
{
    private readonly DiffusionServerFactory closedWorld = new(generator: new FakeImageGenerator(
        FakeImageGenerator.DefaultModel with { Vocabulary = new PromptVocabulary(ModelVocabulary.Load(Fixtures.ShippedModel)!) }));
    private readonly DiffusionServerFactory openWorld = new();

    public void Dispose()
    {
        closedWorld.Dispose();
        openWorld.Dispose();
    }

    [Fact]
    public async Task Models_lists_the_vocabulary_with_sizes_in_pixels_and_example_prompts()
    {
        using var client = closedWorld.CreateClient();
        var model = (await ApiAssert.JsonAsync(await client.GetAsync("/v1/models"))).GetProperty("data")[0];
        var vocabulary = model.GetProperty("vocabulary");

        Assert.Equal(64, vocabulary.GetProperty("image_size").GetInt32());
        Assert.Equal(94, vocabulary.GetProperty("objects").GetArrayLength());
        var cat = vocabulary.GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "cat");
        Assert.Equal("cats", cat.GetProperty("plural").GetString());
        Assert.False(string.IsNullOrEmpty(cat.GetProperty("emoji").GetString()));
        Assert.Equal(12, vocabulary.GetProperty("colours").GetArrayLength());
        Assert.Contains(vocabulary.GetProperty("textures").EnumerateArray(), t => t.GetString() == "striped");
        Assert.Contains(vocabulary.GetProperty("sizes").EnumerateArray(), s => s.GetProperty("name").GetString() == "small" && s.GetProperty("pixels").GetInt32() > 0);
        Assert.Contains(vocabulary.GetProperty("positions").EnumerateArray(), p => p.GetProperty("phrase").GetString() == "in the center");
        Assert.Contains(vocabulary.GetProperty("relations").EnumerateArray(), r => r.GetProperty("phrase").GetString() == "to the left of");
        Assert.True(vocabulary.GetProperty("examples").GetArrayLength() >= 4);
    }

    [Fact]
    public async Task The_check_names_the_objects_and_warns_about_unknown_words()
    {
        using var client = closedWorld.CreateClient();
        var known = await ApiAssert.JsonAsync(await client.GetAsync("/v1/prompts/check?prompt=" + Uri.EscapeDataString("two kitties and a bike on a pink bg, watercolor")));
        // Slang and synonyms read as the objects; a word outside the vocabulary is reported, never guessed.
        Assert.Equal(["cat", "bicycle"], known.GetProperty("objects").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(["watercolor"], known.GetProperty("unknown_words").EnumerateArray().Select(o => o.GetString()));

        var clean = await ApiAssert.JsonAsync(await client.GetAsync("/v1/prompts/check?prompt=" + Uri.EscapeDataString("a large cat in the center on a blue background")));
        Assert.Equal(["cat"], clean.GetProperty("objects").EnumerateArray().Select(o => o.GetString()));
        Assert.Empty(clean.GetProperty("unknown_words").EnumerateArray());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, clean.GetProperty("warning").ValueKind);

        var fox = await ApiAssert.JsonAsync(await client.GetAsync("/v1/prompts/check?prompt=" + Uri.EscapeDataString("a watercolor fox")));
        Assert.StartsWith("This model does not know “watercolor” or “fox” and will ignore them. It draws 94 objects such as",
            fox.GetProperty("warning").GetString());

        await ApiAssert.ErrorAsync(await client.GetAsync("/v1/prompts/check?prompt=%20"), HttpStatusCode.BadRequest, "prompt is required", "prompt");
        await ApiAssert.ErrorAsync(await client.GetAsync("/v1/prompts/check?prompt=" + new string('a', 1001)), HttpStatusCode.BadRequest,
            "prompt must be at most 1000 characters", "prompt");
    }

    [Fact]
    public async Task An_open_vocabulary_model_has_no_vocabulary_and_no_check()
    {
        using var client = openWorld.CreateClient();
        var model = (await ApiAssert.JsonAsync(await client.GetAsync("/v1/models"))).GetProperty("data")[0];
        Assert.False(model.TryGetProperty("vocabulary", out _));
        await ApiAssert.ErrorAsync(await client.GetAsync("/v1/prompts/check?prompt=a%20fox"), HttpStatusCode.NotFound, "has no vocabulary");
    }
}
