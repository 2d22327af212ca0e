namespace Diffusion.Engine.Scheduling;

/// <summary>Greedy, temperature and top-p sampling over one sequence's logits.</summary>
internal static class TokenSampler
{
    public static int Sample(ReadOnlySpan<float> logits, SamplingParams sampling, SamplingRandom random)
    {
        if (sampling.Temperature == 0)
        {
            return ArgMax(logits);
        }

        // Softmax in double over logits / T, then the nucleus: most likely first, ties by token id.
        double max = double.NegativeInfinity;
        foreach (float l in logits)
        {
            max = Math.Max(max, l);
        }

        var probabilities = new double[logits.Length];
        double total = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = Math.Exp((logits[i] - max) / sampling.Temperature);
            total += probabilities[i];
        }

        int[] order = Enumerable.Range(0, logits.Length).ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = probabilities[b].CompareTo(probabilities[a]);
            return c != 0 ? c : a.CompareTo(b);
        });

        double threshold = sampling.TopP * total;
        double kept = 0;
        int count = 0;
        while (count < order.Length && (count == 0 || kept < threshold))
        {
            kept += probabilities[order[count++]];
        }

        double u = random.NextDouble() * kept;
        double cumulative = 0;
        for (int i = 0; i < count; i++)
        {
            cumulative += probabilities[order[i]];
            if (u < cumulative)
            {
                return order[i];
            }
        }

        return order[count - 1];
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
