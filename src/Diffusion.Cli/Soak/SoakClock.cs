namespace Diffusion.Cli.Soak;

/// <summary>Seconds since the soak started: the one time axis every record, fault and sample uses.</summary>
public sealed class SoakClock(TimeProvider time)
{
    private readonly long start = time.GetTimestamp();

    public TimeProvider Time => time;

    public double Seconds => time.GetElapsedTime(start).TotalSeconds;

    public static string Format(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
    }
}
