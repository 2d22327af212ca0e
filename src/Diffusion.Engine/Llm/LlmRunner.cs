using System.Diagnostics;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;
using Diffusion.Kernels.Attention;

namespace Diffusion.Engine.Llm;

/// <summary>
/// Runs one LLM iteration with selective batching (Orca): embeddings, layer norms, the Q/K/V, output
/// and MLP projections run once over the flattened tokens of every scheduled sequence (prefill chunks
/// and decode tokens together); each sequence's K/V goes into its paged blocks and attention runs per
/// sequence through the SIMD paged-attention kernel; logits are computed only for each sequence's
/// last token. The pool's plane 2l holds layer l's keys, plane 2l+1 its values.
/// </summary>
public sealed class LlmRunner : ILlmRunner
{
    private readonly LlmConfig _config;
    private readonly LlmWeights _weights;
    private readonly BlockPool _pool;
    private float[] _x = [];
    private float[] _h = [];
    private float[] _qkv = [];
    private float[] _q = [];
    private float[] _attention = [];
    private float[] _projected = [];
    private float[] _ff = [];

    public LlmRunner(LlmModel model, BlockPool pool)
    {
        _config = model.Config;
        _weights = model.Weights;
        _pool = pool;
        if (pool.Planes != 2 * _config.Layers || pool.PlaneBlockFloats % _config.ModelDim != 0)
        {
            throw new ArgumentException(
                $"the block pool has {pool.Planes} planes of {pool.PlaneBlockFloats} floats per block; this LLM needs "
                + $"{2 * _config.Layers} planes of blockSize × {_config.ModelDim} floats (use BlockPoolOptions.ForKvCache)");
        }

        BlockSize = pool.PlaneBlockFloats / _config.ModelDim;
    }

    public LlmConfig Config => _config;

    /// <summary>Tokens per KV block, as the pool's geometry implies.</summary>
    public int BlockSize { get; }

    public LlmBatchOutput Execute(LlmBatchPlan batch)
    {
        long started = Stopwatch.GetTimestamp();
        int d = _config.ModelDim;
        int tokens = batch.TotalTokens;
        var rowOf = new int[batch.Sequences.Count];
        int row = 0;
        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            rowOf[s] = row;
            row += batch.Sequences[s].TokenIds.Length;
            Validate(batch.Sequences[s]);
        }

        Ensure(ref _x, tokens * d);
        Ensure(ref _h, tokens * d);
        Ensure(ref _qkv, tokens * 3 * d);
        Ensure(ref _q, tokens * d);
        Ensure(ref _attention, tokens * d);
        Ensure(ref _projected, tokens * d);
        Ensure(ref _ff, tokens * _config.FeedForwardDim);

        Embed(batch, rowOf);
        for (int layer = 0; layer < _config.Layers; layer++)
        {
            RunLayer(layer, batch, rowOf, tokens);
        }

        List<SequenceLogits> logits = Logits(batch, rowOf);
        return new LlmBatchOutput(logits, Stopwatch.GetElapsedTime(started));
    }

    private void Validate(ScheduledSequence s)
    {
        int end = s.StartPosition + s.TokenIds.Length;
        if (s.TokenIds.Length == 0 || s.StartPosition < 0 || end > _config.MaxPositions)
        {
            throw new ArgumentException(
                $"{s.Sequence}: positions {s.StartPosition}..{end} are outside the model's {_config.MaxPositions}");
        }

        if (s.BlockTable.Length * BlockSize < end)
        {
            throw new ArgumentException($"{s.Sequence}: its block table holds fewer than {end} slots");
        }

        foreach (int token in s.TokenIds)
        {
            if ((uint)token >= (uint)_config.VocabSize)
            {
                throw new ArgumentException($"{s.Sequence}: token id {token} is outside the vocabulary");
            }
        }
    }

    private void Embed(LlmBatchPlan batch, int[] rowOf)
    {
        int d = _config.ModelDim;
        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            ScheduledSequence seq = batch.Sequences[s];
            for (int t = 0; t < seq.TokenIds.Length; t++)
            {
                Span<float> x = _x.AsSpan((rowOf[s] + t) * d, d);
                ReadOnlySpan<float> token = _weights.TokenEmbedding.AsSpan(seq.TokenIds[t] * d, d);
                ReadOnlySpan<float> position = _weights.PositionEmbedding.AsSpan((seq.StartPosition + t) * d, d);
                for (int i = 0; i < d; i++)
                {
                    x[i] = token[i] + position[i];
                }
            }
        }
    }

    private void RunLayer(int layer, LlmBatchPlan batch, int[] rowOf, int tokens)
    {
        LlmLayerWeights w = _weights.Layers[layer];
        int d = _config.ModelDim, f = _config.FeedForwardDim;

        LlmMath.LayerNorm(_x, _h, w.Ln1Weight, w.Ln1Bias, tokens, _config.LayerNormEpsilon);
        Gemm.MultiplyTransposed(_h, w.QkvWeight, w.QkvBias, _qkv, tokens, 3 * d, d);
        WriteKeysAndValues(layer, batch, rowOf);

        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            Attend(layer, batch.Sequences[s], rowOf[s]);
        }

        Gemm.MultiplyTransposed(_attention, w.OutWeight, w.OutBias, _projected, tokens, d, d);
        AddInPlace(_x.AsSpan(0, tokens * d), _projected.AsSpan(0, tokens * d));

        LlmMath.LayerNorm(_x, _h, w.Ln2Weight, w.Ln2Bias, tokens, _config.LayerNormEpsilon);
        Gemm.MultiplyTransposed(_h, w.FcInWeight, w.FcInBias, _ff, tokens, f, d);
        LlmMath.GeluTanh(_ff.AsSpan(0, tokens * f));
        Gemm.MultiplyTransposed(_ff, w.FcOutWeight, w.FcOutBias, _projected, tokens, d, f);
        AddInPlace(_x.AsSpan(0, tokens * d), _projected.AsSpan(0, tokens * d));
    }

    private void WriteKeysAndValues(int layer, LlmBatchPlan batch, int[] rowOf)
    {
        int d = _config.ModelDim;
        Span<float> keys = _pool.GetPlane(2 * layer);
        Span<float> values = _pool.GetPlane((2 * layer) + 1);
        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            ScheduledSequence seq = batch.Sequences[s];
            for (int t = 0; t < seq.TokenIds.Length; t++)
            {
                int position = seq.StartPosition + t;
                int slot = ((seq.BlockTable[position / BlockSize] * BlockSize) + (position % BlockSize)) * d;
                ReadOnlySpan<float> qkv = _qkv.AsSpan((rowOf[s] + t) * 3 * d, 3 * d);
                qkv.Slice(d, d).CopyTo(keys.Slice(slot, d));
                qkv.Slice(2 * d, d).CopyTo(values.Slice(slot, d));
                qkv[..d].CopyTo(_q.AsSpan((rowOf[s] + t) * d, d));
            }
        }
    }

    private void Attend(int layer, ScheduledSequence seq, int firstRow)
    {
        int d = _config.ModelDim;
        int n = seq.TokenIds.Length;
        // The kernel computes each query row from its own position only (no reduction spans rows), so a
        // prefill chunk, a decode token and a recompute after preemption give bit-identical rows.
        PagedAttention.Compute(
            _q.AsSpan(firstRow * d, n * d), _pool.GetPlane(2 * layer), _pool.GetPlane((2 * layer) + 1),
            seq.BlockTable, BlockSize, _config.Heads, _config.HeadDim, seq.StartPosition, n,
            _attention.AsSpan(firstRow * d, n * d));
    }

    private List<SequenceLogits> Logits(LlmBatchPlan batch, int[] rowOf)
    {
        int d = _config.ModelDim, v = _config.VocabSize;
        var wanted = new List<int>();
        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            if (batch.Sequences[s].ProducesLogits)
            {
                wanted.Add(s);
            }
        }

        var last = new float[wanted.Count * d];
        var normed = new float[wanted.Count * d];
        for (int i = 0; i < wanted.Count; i++)
        {
            int s = wanted[i];
            int lastRow = rowOf[s] + batch.Sequences[s].TokenIds.Length - 1;
            _x.AsSpan(lastRow * d, d).CopyTo(last.AsSpan(i * d, d));
        }

        LlmMath.LayerNorm(last, normed, _weights.FinalNormWeight, _weights.FinalNormBias, wanted.Count, _config.LayerNormEpsilon);
        var all = new float[wanted.Count * v];
        Gemm.MultiplyTransposed(normed, _weights.TokenEmbedding, ReadOnlySpan<float>.Empty, all, wanted.Count, v, d);
        var result = new List<SequenceLogits>(wanted.Count);
        for (int i = 0; i < wanted.Count; i++)
        {
            result.Add(new SequenceLogits(batch.Sequences[wanted[i]].Sequence, all.AsSpan(i * v, v).ToArray()));
        }

        return result;
    }

    private static void AddInPlace(Span<float> x, ReadOnlySpan<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] += y[i];
        }
    }

    private static void Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
