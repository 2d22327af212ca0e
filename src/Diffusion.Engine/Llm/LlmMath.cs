namespace Diffusion.Engine.Llm;

/// <summary>Row-wise layer norm and tanh-GELU with a fixed evaluation order (batch-invariant).</summary>
internal static class LlmMath
{
    public static void LayerNorm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int rows, float epsilon)
    {
        int d = weight.Length;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * d, d);
            double mean = 0;
            for (int i = 0; i < d; i++)
            {
                mean += row[i];
            }

            mean /= d;
            double variance = 0;
            for (int i = 0; i < d; i++)
            {
                double c = row[i] - mean;
                variance += c * c;
            }

            float inv = (float)(1.0 / Math.Sqrt((variance / d) + epsilon));
            float m = (float)mean;
            Span<float> o = y.Slice(r * d, d);
            for (int i = 0; i < d; i++)
            {
                o[i] = ((row[i] - m) * inv * weight[i]) + bias[i];
            }
        }
    }

    public static void GeluTanh(Span<float> x)
    {
        const float c = 0.7978845608028654f; // sqrt(2/pi)
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            x[i] = 0.5f * v * (1f + MathF.Tanh(c * (v + (0.044715f * v * v * v))));
        }
    }
}
