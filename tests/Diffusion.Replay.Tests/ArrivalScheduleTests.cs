using Diffusion.Replay.Arrivals;

namespace Diffusion.Replay.Tests;

public sealed class ArrivalScheduleTests
{
    [Fact]
    public void Poisson_arrivals_have_the_asked_rate_and_exponential_gaps()
    {
        const double rate = 5;
        var schedule = ArrivalSchedules.Poisson(20_000, rate, seed: 42);

        var gaps = schedule.Select((s, i) => (s.At - (i == 0 ? TimeSpan.Zero : schedule[i - 1].At)).TotalSeconds).ToArray();
        var mean = gaps.Average();
        var sd = Math.Sqrt(gaps.Select(g => (g - mean) * (g - mean)).Average());
        // 20 000 exponential gaps: the mean is within 2% of 1/rate with overwhelming probability.
        Assert.InRange(mean, 0.98 / rate, 1.02 / rate);
        Assert.InRange(20_000 / schedule[^1].At.TotalSeconds, rate * 0.98, rate * 1.02);
        // An exponential distribution's standard deviation equals its mean (a constant gap would give 0).
        Assert.InRange(sd / mean, 0.95, 1.05);
        // Memoryless: about e^-1 of the gaps exceed the mean.
        Assert.InRange(gaps.Count(g => g > 1 / rate) / 20_000.0, Math.Exp(-1) - 0.02, Math.Exp(-1) + 0.02);
    }

    [Fact]
    public void Poisson_arrivals_are_the_same_for_a_seed_and_differ_across_seeds()
    {
        var a = ArrivalSchedules.Poisson(50, 2, seed: 7);
        var b = ArrivalSchedules.Poisson(50, 2, seed: 7);
        var c = ArrivalSchedules.Poisson(50, 2, seed: 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(s => s.At), c.Select(s => s.At));
        Assert.Equal(Enumerable.Range(0, 50), a.Select(s => s.Index));
        Assert.All(a.Zip(a.Skip(1)), pair => Assert.True(pair.Second.At >= pair.First.At));
        Assert.True(a[0].At > TimeSpan.Zero);
    }

    [Fact]
    public void Timestamps_are_measured_from_the_earliest_scaled_and_sent_in_time_order()
    {
        var schedule = ArrivalSchedules.FromTimestamps([1_660_000_100, 1_660_000_103, 1_660_000_101.5, 1_660_000_100], scale: 0.5);

        Assert.Equal([0, 3, 2, 1], schedule.Select(s => s.Index));
        Assert.Equal([0, 0, 0.75, 1.5], schedule.Select(s => s.At.TotalSeconds));
    }

    [Fact]
    public void Timestamps_scale_stretches_every_gap()
    {
        double?[] times = [10, 12, 17];
        var slow = ArrivalSchedules.FromTimestamps(times, scale: 2);
        var fast = ArrivalSchedules.FromTimestamps(times, scale: 0.01);
        Assert.Equal([0, 4, 14], slow.Select(s => s.At.TotalSeconds));
        Assert.Equal([0, 0.02, 0.07], fast.Select(s => Math.Round(s.At.TotalSeconds, 9)));
    }

    [Fact]
    public void A_record_without_a_timestamp_goes_with_the_record_before_it()
    {
        double?[] times = [null, 5, 7, null, 6];
        var schedule = ArrivalSchedules.FromTimestamps(times, 1);
        // Record 0 takes the first timestamp (5); record 3 takes record 2's (7).
        Assert.Equal([0, 1, 4, 2, 3], schedule.Select(s => s.Index));
        Assert.Equal([0, 0, 1, 2, 2], schedule.Select(s => s.At.TotalSeconds));
        Assert.Equal(2, ArrivalSchedules.MissingTimestamps(times));
    }

    [Fact]
    public void A_trace_without_any_timestamp_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => ArrivalSchedules.FromTimestamps([null, null], 1));
        Assert.Contains("none of the 2 trace records has a timestamp", error.Message);
        Assert.Contains("--rate", error.Message);
        Assert.Empty(ArrivalSchedules.FromTimestamps([], 1));
    }

    [Fact]
    public void Bad_rates_and_scales_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrivalSchedules.Poisson(3, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrivalSchedules.Poisson(3, double.PositiveInfinity, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrivalSchedules.FromTimestamps([1.0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArrivalSchedules.FromTimestamps([1.0], double.NaN));
    }

    [Fact]
    public void Closed_loop_makes_every_request_due_at_once_in_trace_order()
    {
        var schedule = ArrivalSchedules.Immediate(4);
        Assert.Equal([0, 1, 2, 3], schedule.Select(s => s.Index));
        Assert.All(schedule, s => Assert.Equal(TimeSpan.Zero, s.At));
    }
}
