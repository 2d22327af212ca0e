using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Traces;

public sealed class TraceStatisticsTests
{
    private readonly TraceStatistics _statistics = new(new SmallEditRule(0.4), headMinCount: 3);

    private static TraceRecord R(string prompt, double? at = null, string? user = null) => new(prompt, at, user, null, null);

    [Fact]
    public void Repeat_rate_counts_requests_whose_prompt_was_seen_before()
    {
        var report = _statistics.Measure([R("a red cat"), R("a blue dog"), R("A  red cat"), R("a red cat"), R("a green cow")]);
        Assert.Equal(5, report.UserPrompts);
        Assert.Equal(3, report.DistinctPrompts);
        Assert.Equal(2.0 / 5, report.RepeatRate, 12);
        Assert.Equal(1, report.RepeatedPrompts);
    }

    [Fact]
    public void Fragments_are_not_prompts()
    {
        var report = _statistics.Measure([R("--uplight"), R("16:9"), R("render"), R("a red cat")]);
        Assert.Equal(4, report.Records);
        Assert.Equal(1, report.UserPrompts);
    }

    [Fact]
    public void Edit_fraction_compares_with_the_same_users_previous_prompt_in_time_order()
    {
        var records = new[]
        {
            R("a cat on the left on a red background", 0, "u1"),
            R("a dog on the left on a red background", 2, "u1"),        // edit of u1's previous (1 word)
            R("three small pizzas on a teal background", 1, "u2"),
            R("a dog on the left on a red background", 3, "u1"),        // exact resend: no edit
            R("a cat in the center on a red background", 4, "u2"),      // not a small edit of u2's previous
            R("a cat in the center on a blue background", 5, "u2"),     // edit (1 word)
        };
        var report = _statistics.Measure(records);
        Assert.Equal(2.0 / 6, report.EditFraction!.Value, 12);
        Assert.Equal(2, report.EditDistances!["1"]);
        Assert.Equal(2, report.Users);
    }

    [Fact]
    public void Edit_fraction_is_absent_without_users_and_times()
    {
        var report = _statistics.Measure([R("a red cat on a mat"), R("a blue cat on a mat")]);
        Assert.Null(report.EditFraction);
        Assert.Null(report.InterArrival);
        Assert.Equal(0.5, report.EditFractionAnyEarlier, 12);
    }

    [Fact]
    public void Zipf_fit_recovers_an_exact_power_law()
    {
        var counts = Enumerable.Range(1, 40).Select(rank => (int)Math.Round(1000 * Math.Pow(rank, -0.8))).ToList();
        Assert.Equal(0.8, ZipfFit.LeastSquaresExponent(counts)!.Value, 2);
        Assert.Null(ZipfFit.LeastSquaresExponent([5, 3]));
    }

    [Fact]
    public void Gaps_are_summarized_overall_and_per_user()
    {
        var records = new[] { R("a b", 0, "x"), R("c d", 10, "y"), R("e f", 30, "x"), R("g h", 60, "y") };
        var report = _statistics.Measure(records);
        Assert.Equal(3, report.InterArrival!.Count);
        Assert.Equal(20, report.InterArrival.MedianSeconds, 12);
        Assert.Equal(20, report.InterArrival.MeanSeconds, 12);
        Assert.Equal(2, report.PerUserInterArrival!.Count);
        Assert.Equal(40, report.PerUserInterArrival.MedianSeconds, 12);
    }

    [Fact]
    public void Small_edit_rule_uses_word_distance_relative_to_the_longer_prompt()
    {
        var rule = new SmallEditRule(0.4);
        string[] a = ["a", "cat", "at", "the", "top", "on", "a", "red", "background"];
        string[] b = ["a", "cat", "in", "the", "bottom", "right", "corner", "on", "a", "red", "background"];
        Assert.Equal(4, SmallEditRule.WordDistance(a, b));
        Assert.Equal(4, rule.SmallEditDistance(a, b));
        Assert.Null(rule.SmallEditDistance(a, a));
        Assert.Null(new SmallEditRule(0.3).SmallEditDistance(a, b));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmallEditRule(1.5));
    }
}
