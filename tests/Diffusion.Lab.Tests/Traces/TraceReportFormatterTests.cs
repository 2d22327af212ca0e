using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Traces;

public sealed class TraceReportFormatterTests
{
    [Fact]
    public void The_report_sets_each_measurement_beside_the_derived_number()
    {
        var parameters = TraceParameters.Default;
        var requests = new TraceGenerator(TestWorld.World, parameters, new TraceOptions { Count = 400, Seed = 3 }).Generate();
        var report = TraceStatistics.FromParameters(parameters).Measure(requests.Select(TraceRecord.From).ToList());
        var lines = TraceReportFormatter.Format("t.jsonl", report, parameters).Split('\n');

        Assert.StartsWith("t.jsonl: 400 records", lines[0]);
        var repeat = Assert.Single(lines, l => l.StartsWith("repeat rate", StringComparison.Ordinal));
        Assert.EndsWith($"{report.RepeatRate:0.0000}" + $"{parameters.RepeatRate,14:0.0000}", repeat);
        Assert.Single(lines, l => l.StartsWith("inter-arrival p90 (s)", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("kinds: new ", StringComparison.Ordinal));
    }
}
