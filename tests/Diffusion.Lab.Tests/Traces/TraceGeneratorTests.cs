using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces;
using Diffusion.Lab.Traces.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Traces;

/// <summary>One 5,000-request trace shared by the statistical tests.</summary>
public sealed class LargeTraceFixture
{
    public LargeTraceFixture()
    {
        Generator = new TraceGenerator(TestWorld.World, TraceParameters.Default, new TraceOptions { Count = 5000, Seed = 20240601 });
        Requests = Generator.Generate();
        Report = TraceStatistics.FromParameters(TraceParameters.Default).Measure(Requests.Select(TraceRecord.From).ToList());
    }

    public TraceGenerator Generator { get; }

    public IReadOnlyList<TraceRequest> Requests { get; }

    public TraceStatisticsReport Report { get; }
}

public sealed class TraceGeneratorTests(LargeTraceFixture large) : IClassFixture<LargeTraceFixture>
{
    private static readonly TraceParameters Parameters = TraceParameters.Default;

    [Fact]
    public void The_same_seed_gives_the_same_trace_and_another_seed_another()
    {
        var options = new TraceOptions { Count = 600, Seed = 42 };
        var first = new TraceGenerator(TestWorld.World, Parameters, options).Generate();
        var second = new TraceGenerator(TestWorld.World, Parameters, options).Generate();
        var other = new TraceGenerator(TestWorld.World, Parameters, options with { Seed = 43 }).Generate();
        Assert.Equal(first, second);
        Assert.NotEqual(first.Select(r => r.Prompt), other.Select(r => r.Prompt));
    }

    [Fact]
    public void Every_prompt_is_a_canonical_prompt_of_the_world()
    {
        var parser = new CanonicalPromptParser(TestWorld.World);
        Assert.All(large.Requests, r => Assert.True(parser.TryParse(r.Prompt, out _), r.Prompt));
    }

    [Fact]
    public void Requests_are_numbered_in_time_order_with_valid_users_and_seeds()
    {
        Assert.Equal(Enumerable.Range(0, 5000), large.Requests.Select(r => r.Index));
        Assert.Equal(TimeSpan.Zero, large.Requests[0].At);
        Assert.All(large.Requests.Zip(large.Requests.Skip(1)), p => Assert.True(p.Second.At >= p.First.At));
        Assert.All(large.Requests, r => Assert.InRange(r.Seed, 0, uint.MaxValue));
        Assert.All(large.Requests, r => Assert.Matches("^user-[0-9]{2}$", r.User));
        Assert.Equal(Parameters.Users, large.Report.Users);
        Assert.All(Enum.GetValues<TraceRequestKind>(), k => Assert.True(large.Report.Kinds![k] > 0, $"no {k} requests"));
    }

    [Fact]
    public void Edits_differ_from_the_users_previous_prompt_in_exactly_one_attribute()
    {
        var parser = new CanonicalPromptParser(TestWorld.World);
        var previous = new Dictionary<string, string>();
        var edits = 0;
        foreach (var r in large.Requests)
        {
            if (r.Kind == TraceRequestKind.Edit)
            {
                var parent = parser.Parse(previous[r.User]);
                var child = parser.Parse(r.Prompt);
                var differences = SceneDifferences.Between(parent, child);
                Assert.True(differences is { Count: 1 }, $"\"{previous[r.User]}\" -> \"{r.Prompt}\"");
                edits++;
            }
            else if (r.Kind == TraceRequestKind.ExactRepeat)
            {
                Assert.Equal(previous[r.User], r.Prompt);
            }

            previous[r.User] = r.Prompt;
        }

        Assert.True(edits > 500, $"only {edits} edits");
    }

    [Fact]
    public void Measured_repeat_rate_matches_the_derived_rate()
    {
        Assert.InRange(large.Report.RepeatRate, Parameters.RepeatRate - 0.03, Parameters.RepeatRate + 0.03);
    }

    [Fact]
    public void Measured_edit_fraction_matches_the_derived_fraction()
    {
        Assert.InRange(large.Report.EditFraction!.Value, Parameters.EditFraction - 0.03, Parameters.EditFraction + 0.03);
    }

    [Fact]
    public void Measured_zipf_exponents_match_the_derived_exponents()
    {
        Assert.InRange(large.Report.ZipfExponent!.Value, Parameters.ZipfExponent - 0.15, Parameters.ZipfExponent + 0.15);
        // the head fit is the popular pool's skew; it rests on few prompts, so it is looser
        Assert.InRange(large.Report.HeadZipfExponent!.Value, Parameters.HeadZipfExponent - 0.25, Parameters.HeadZipfExponent + 0.25);
        Assert.InRange(large.Report.HeadShareOfRepeats, Parameters.HeadShareOfRepeats - 0.1, Parameters.HeadShareOfRepeats + 0.1);
    }

    [Fact]
    public void Measured_median_inter_arrival_matches_the_derived_median()
    {
        var median = Parameters.InterArrivalMedianSeconds;
        Assert.InRange(large.Report.InterArrival!.MedianSeconds, median * 0.8, median * 1.2);
    }

    [Fact]
    public void Inter_arrival_tail_and_burstiness_follow_the_real_gaps()
    {
        var real = Parameters.InterArrival();
        var gaps = large.Report.InterArrival!;
        Assert.InRange(gaps.QuantileSeconds["p90"], real.Quantile(0.9) * 0.85, real.Quantile(0.9) * 1.15);
        // a handful of night-long gaps carry much of the mean, so mean and cv are looser
        Assert.InRange(gaps.MeanSeconds, Parameters.InterArrivalMeanSeconds * 0.7, Parameters.InterArrivalMeanSeconds * 1.3);
        Assert.True(gaps.Cv > 2, $"cv {gaps.Cv}: the trace should be bursty like the real log");
    }

    [Fact]
    public void The_time_scale_compresses_every_gap()
    {
        var options = new TraceOptions { Count = 800, Seed = 5 };
        var normal = new TraceGenerator(TestWorld.World, Parameters, options).Generate();
        var fast = new TraceGenerator(TestWorld.World, Parameters, options with { TimeScale = 0.01 }).Generate();
        Assert.Equal(normal.Select(r => r.Prompt), fast.Select(r => r.Prompt));
        var ratio = fast[^1].At.TotalSeconds / normal[^1].At.TotalSeconds;
        Assert.InRange(ratio, 0.0099, 0.0101);
    }

    [Fact]
    public void Rate_overrides_move_the_measured_statistics()
    {
        var options = new TraceOptions { Count = 3000, Seed = 9, RepeatRate = 0.4, EditRate = 0.05 };
        var requests = new TraceGenerator(TestWorld.World, Parameters, options).Generate();
        var report = TraceStatistics.FromParameters(Parameters).Measure(requests.Select(TraceRecord.From).ToList());
        Assert.InRange(report.RepeatRate, 0.37, 0.43);
        Assert.InRange(report.EditFraction!.Value, 0.02, 0.08);
    }

    [Fact]
    public void The_popular_pool_holds_distinct_scenes()
    {
        var writer = new CanonicalPromptWriter(TestWorld.World);
        Assert.Equal(100, large.Generator.Pool.Select(writer.Write).Distinct().Count());
    }

    [Theory]
    [InlineData(0, null, 100, 1.0)]
    [InlineData(10, 0, 100, 1.0)]
    [InlineData(10, null, 0, 1.0)]
    [InlineData(10, null, 100, 0.0)]
    [InlineData(10, null, 100, double.NaN)]
    public void Invalid_options_are_refused_with_a_message(int count, int? users, int pool, double timeScale)
    {
        var options = new TraceOptions { Count = count, Users = users, PopularPoolSize = pool, TimeScale = timeScale };
        var e = Assert.Throws<ArgumentException>(() => new TraceGenerator(TestWorld.World, Parameters, options));
        Assert.StartsWith("Invalid trace options:", e.Message);
    }

    [Fact]
    public void Rates_that_cannot_be_met_together_are_refused()
    {
        var options = new TraceOptions { Count = 1000, RepeatRate = 0.9, EditRate = 0.5 };
        var e = Assert.Throws<ArgumentException>(() => new TraceGenerator(TestWorld.World, Parameters, options));
        Assert.Contains("cannot reach", e.Message);
    }
}
