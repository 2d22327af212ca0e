namespace Diffusion.Evaluation.Tests;

public class ObjectCropperTests
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
        var cropper = new ObjectCropper(size, 1.25f, 2f);
        var crop = new float[3 * size * size];
        cropper.Crop(image, w, h, (x0 + x1 + 1) / 2f, (y0 + y1 + 1) / 2f, x1 - x0 + 1, y1 - y0 + 1, crop);
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
