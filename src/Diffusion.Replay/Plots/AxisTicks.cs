namespace Diffusion.Replay.Plots;

/// <summary>Round tick values (1, 2 or 5 times a power of ten) covering a range.</summary>
public static class AxisTicks
{
    public static double NiceStep(double span, int targetTicks = 5)
    {
        if (!(span > 0) || double.IsInfinity(span)) return 1;
        var raw = span / Math.Max(1, targetTicks);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>Widens [min, max] to whole steps and lists the ticks.</summary>
    public static (double Min, double Max, IReadOnlyList<double> Ticks) Cover(double min, double max, int targetTicks = 5)
    {
        if (max <= min) max = min + 1;
        var step = NiceStep(max - min, targetTicks);
        var low = Math.Floor(min / step) * step;
        var high = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (var i = 0; low + i * step <= high + step * 1e-9; i++) ticks.Add(Math.Round(low + i * step, 10));
        return (low, high, ticks);
    }
}
