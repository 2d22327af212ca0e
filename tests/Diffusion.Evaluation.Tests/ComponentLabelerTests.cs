namespace Diffusion.Evaluation.Tests;

public class ComponentLabelerTests
{
    private static bool[] Mask(int size, params (int X0, int Y0, int W, int H)[] boxes)
    {
        var mask = new bool[size * size];
        foreach (var (x0, y0, w, h) in boxes)
        {
            for (var y = y0; y < y0 + h; y++)
            {
                for (var x = x0; x < x0 + w; x++)
                {
                    mask[y * size + x] = true;
                }
            }
        }
        return mask;
    }

    [Fact]
    public void Separate_blobs_are_separate_segments_with_centroids_and_boxes()
    {
        var found = ComponentLabeler.Find(Mask(64, (2, 2, 6, 6), (40, 50, 4, 5)), 64, 64, minArea: 12);
        Assert.Equal(2, found.Count);
        var a = Assert.Single(found, f => f.Area == 36);
        Assert.Equal((4.5f, 4.5f), (a.CenterX, a.CenterY));
        Assert.Equal((2, 2, 7, 7), (a.X0, a.Y0, a.X1, a.Y1));
        var b = Assert.Single(found, f => f.Area == 20);
        Assert.Equal((41.5f, 52f), (b.CenterX, b.CenterY));
        Assert.Equal((40, 50, 43, 54), (b.X0, b.Y0, b.X1, b.Y1));
    }

    [Fact]
    public void Specks_below_the_minimum_area_are_noise()
    {
        var found = ComponentLabeler.Find(Mask(64, (10, 10, 3, 3), (30, 30, 5, 5)), 64, 64, minArea: 12);
        Assert.Equal(25, Assert.Single(found).Area);
    }

    [Fact]
    public void Diagonal_neighbours_join()
    {
        var found = ComponentLabeler.Find(Mask(64, (0, 0, 5, 5), (5, 5, 3, 3)), 64, 64, minArea: 1);
        Assert.Equal(34, Assert.Single(found).Area);
    }

    [Fact]
    public void An_empty_mask_finds_nothing()
    {
        Assert.Empty(ComponentLabeler.Find(new bool[64 * 64], 64, 64, 12));
    }
}

public class SegmentCropperTests
{
    /// <summary>Bilinear resampling reproduces a linear ramp exactly, so every crop value is known in closed form.</summary>
    [Theory]
    [InlineData(10, 12, 25, 30)]     // inside the image
    [InlineData(0, 0, 9, 5)]         // clamped at the top-left edge
    [InlineData(50, 40, 63, 63)]     // clamped at the bottom-right edge
    public void A_crop_of_a_ramp_is_the_ramp_at_the_sample_centres(int x0, int y0, int x1, int y1)
    {
        const int w = 64, h = 64, size = 32;
        var image = new float[3 * w * h];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    image[c * w * h + y * w + x] = c * 1000 + 64 * y + x;
                }
            }
        }
        var cropper = new SegmentCropper(size, 1.25f, 2f);
        var crop = new float[3 * size * size];
        cropper.Crop(image, w, h, new Segment(1, 0, 0, x0, y0, x1, y1), crop);
        var side = Math.Max(x1 - x0 + 1, y1 - y0 + 1) * 1.25f + 2f;
        var left = (x0 + x1 + 1) / 2f - side / 2f;
        var top = (y0 + y1 + 1) / 2f - side / 2f;
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < size; i++)
            {
                for (var j = 0; j < size; j++)
                {
                    var sx = Math.Clamp(left + (j + 0.5f) * side / size - 0.5f, 0, w - 1);
                    var sy = Math.Clamp(top + (i + 0.5f) * side / size - 0.5f, 0, h - 1);
                    Assert.Equal(c * 1000 + 64 * sy + sx, crop[c * size * size + i * size + j], 2);
                }
            }
        }
    }
}
