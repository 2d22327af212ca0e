namespace Diffusion.Inference.Scheduling;

/// <summary>numpy's arange/linspace/round as diffusers uses them to lay out inference timesteps.</summary>
internal static class TimestepGrid
{
    /// <summary>np.linspace(start, stop, num) (endpoint included, last element exactly stop).</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        var result = new double[num];
        if (num == 1)
        {
            result[0] = start;
            return result;
        }
        var step = (stop - start) / (num - 1);
        for (var i = 0; i < num; i++)
        {
            result[i] = i * step + start;
        }
        result[num - 1] = stop;
        return result;
    }

    /// <summary>np.arange(start, stop, step) for a negative step.</summary>
    public static double[] ArangeDown(double start, double stop, double step)
    {
        var count = (int)Math.Ceiling((stop - start) / step);
        var result = new double[Math.Max(count, 0)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = start + i * step;
        }
        return result;
    }

    /// <summary>numpy rounds half to even, as does Math.Round by default.</summary>
    public static double[] Round(double[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Round(values[i], MidpointRounding.ToEven);
        }
        return values;
    }

    /// <summary>"leading": (arange(0, count) * ratio).round() reversed, plus offset; ratio is N // count in diffusers.</summary>
    public static double[] Leading(int ratio, int count, int offset)
    {
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = (double)(count - 1 - i) * ratio + offset;
        }
        return result;
    }

    /// <summary>"trailing": round(arange(N, 0, -N/count)) - 1.</summary>
    public static double[] Trailing(int trainSteps, int count)
    {
        var values = Round(ArangeDown(trainSteps, 0, -(double)trainSteps / count));
        for (var i = 0; i < values.Length; i++)
        {
            values[i] -= 1;
        }
        return values;
    }

    public static double[] Reverse(double[] values)
    {
        Array.Reverse(values);
        return values;
    }

    public static void CheckRange(IReadOnlyList<double> timesteps, int trainSteps, int requested)
    {
        foreach (var t in timesteps)
        {
            if (t < 0 || t > trainSteps - 1)
            {
                throw new ArgumentOutOfRangeException(nameof(requested), requested,
                    $"{requested} steps put timestep {t} outside [0, {trainSteps - 1}] for this schedule; use fewer steps.");
            }
        }
    }
}
