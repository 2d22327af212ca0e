using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces;

namespace Diffusion.Lab.Tests.Traces;

public sealed class TraceParametersTests
{
    [Fact]
    public void The_embedded_parameters_load_and_hold_plausible_measurements()
    {
        var p = TraceParameters.Default;
        Assert.InRange(p.RepeatRate, 0.01, 0.5);
        Assert.InRange(p.EditFraction, 0.01, 0.5);
        Assert.InRange(p.ZipfExponent, 0.05, 2);
        Assert.True(p.HeadZipfExponent > p.ZipfExponent, "the popular head is more skewed than the flat tail of the fit");
        Assert.Equal(p.InterArrivalQuantileLevels.Count, p.InterArrivalQuantileSeconds.Count);
        Assert.Equal(p.InterArrivalMedianSeconds, p.InterArrival().Median, 6);
        Assert.True(p.InterArrivalCv > 1, "real arrivals are burstier than Poisson");
    }

    [Fact]
    public void A_parameter_file_missing_a_number_is_refused_by_name()
    {
        var json = JsonNode.Parse(ReadEmbeddedJson())!.AsObject();
        json["edits"]!.AsObject().Remove("fraction");
        var e = Assert.Throws<InvalidDataException>(() => TraceParameters.Parse(json.ToJsonString()));
        Assert.Contains("edits.fraction", e.Message);
        Assert.Throws<InvalidDataException>(() => TraceParameters.Parse("{not json"));
    }

    [Fact]
    public void The_world_file_is_validated()
    {
        Assert.Equal(94, TestWorld.World.Concepts.Count);
        Assert.Equal("in the top left corner", TestWorld.World.PositionPhrase("top left"));
        var broken = JsonNode.Parse(File.ReadAllText(TestWorld.FixturePath("world.json")))!.AsObject();
        broken["textures"] = new JsonArray("striped", "dotted");
        var e = Assert.Throws<InvalidDataException>(() => EmojiWorld.Parse(broken.ToJsonString()));
        Assert.Contains("solid", e.Message);
        Assert.Throws<FileNotFoundException>(() => EmojiWorld.Load("/nonexistent/world.json"));
    }

    private static string ReadEmbeddedJson()
    {
        using var stream = typeof(TraceParameters).Assembly.GetManifestResourceStream("Diffusion.Lab.Traces.trace-params.json")!;
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        using var _ = JsonDocument.Parse(text);
        return text;
    }
}
