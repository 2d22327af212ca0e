using Diffusion.Lab.Calibration;

namespace Diffusion.Lab.Tests.Calibration;

/// <summary><c>calibrate cache --from-json</c>: an earlier run's JSON gives back its pairs, and the same rule gives the same tables.</summary>
public sealed class CalibrationReanalysisTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("calibration-json-").FullName;

    private static CalibrationPair Pair(int i)
    {
        var similarity = 0.3 + 0.7 * i / 119.0;
        return new CalibrationPair($"source {i}", $"target {i}", (PairRelation)(i % 3), (ulong)i, similarity, 1 - similarity, 3, 4,
            [.. new[] { 5, 10, 15, 20, 25 }.Select(k => new KOutcome(k, similarity > 0.4 + k / 50.0 ? 3 : 1, 4, 0.01 * k, 1 - 0.01 * k))]);
    }

    [Fact]
    public void The_json_of_a_run_gives_back_its_pairs_and_the_same_tables()
    {
        var options = new CalibrationOptions { MinPairs = 6, WindowPairs = 12 };
        var measured = Enumerable.Range(0, 120).Select(Pair).ToArray();
        var first = CacheCalibration.Decide("model@1234", measured, options, TimeSpan.FromMinutes(3));
        var path = Path.Combine(_directory, "calibration.json");
        File.WriteAllText(path, first.ToJson());

        var (model, pairs, elapsed) = CalibrationResult.ReadMeasured(path);
        Assert.Equal("model@1234", model);
        Assert.Equal(TimeSpan.FromMinutes(3), elapsed);
        Assert.Equal(measured, pairs, (a, b) => a.Source == b.Source && a.Relation == b.Relation && a.PromptSimilarity == b.PromptSimilarity
            && a.ByK.SequenceEqual(b.ByK));
        var again = CacheCalibration.Decide(model, pairs, options, elapsed);
        Assert.Equal(first.ToTables().PromptToPrompt.ToString(), again.ToTables().PromptToPrompt.ToString());
        Assert.NotEmpty(again.ToTables().PromptToPrompt.Thresholds);
    }

    [Fact]
    public void A_file_that_is_not_a_calibration_run_is_refused_with_its_name()
    {
        var path = Path.Combine(_directory, "other.json");
        File.WriteAllText(path, """{"steps_saved": 0.2}""");
        var error = Assert.Throws<InvalidDataException>(() => CalibrationResult.ReadMeasured(path));
        Assert.Contains("other.json", error.Message);
        Assert.Contains("--json", error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
