namespace Diffusion.Evaluation.Tests;

public class CenterPeaksTests
{
    private static float[] Heat(params (int X, int Y, float V)[] points)
    {
        var heat = new float[64 * 64];
        foreach (var (x, y, v) in points)
        {
            heat[y * 64 + x] = v;
        }
        return heat;
    }

    [Fact]
    public void Separate_peaks_above_the_threshold_are_objects_in_row_major_order()
    {
        var peaks = CenterPeaks.Find(Heat((40, 10, 0.9f), (5, 30, 0.5f), (20, 20, 0.2f)), 64, 64, 0.3f, 5);
        Assert.Equal([(40, 10), (5, 30)], peaks);
    }

    [Fact]
    public void Within_a_window_only_the_highest_survives_and_ties_go_to_the_first()
    {
        Assert.Equal([(11, 10)], CenterPeaks.Find(Heat((10, 10, 0.6f), (11, 10, 0.8f), (12, 12, 0.7f)), 64, 64, 0.3f, 5));
        Assert.Equal([(10, 10)], CenterPeaks.Find(Heat((10, 10, 0.8f), (11, 11, 0.8f)), 64, 64, 0.3f, 5));
        // outside each other's window both stay
        Assert.Equal(2, CenterPeaks.Find(Heat((10, 10, 0.8f), (13, 10, 0.8f)), 64, 64, 0.3f, 5).Count);
    }

    [Fact]
    public void Nothing_above_the_threshold_is_nothing_found() =>
        Assert.Empty(CenterPeaks.Find(Heat((10, 10, 0.29f)), 64, 64, 0.3f, 5));
}
