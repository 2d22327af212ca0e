using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Inference.Onnx;

/// <summary>How the UNet takes its timestep, read from the session's metadata.</summary>
public enum TimestepInput
{
    /// <summary>f32 [B]: one per sample (our models).</summary>
    PerSampleFloat,
    /// <summary>int64 [B].</summary>
    PerSampleInt64,
    /// <summary>f32 scalar or [1]: one for the whole call.</summary>
    SharedFloat,
    /// <summary>int64 scalar or [1] (SD 1.5's diffusers export): one for the whole call.</summary>
    SharedInt64,
}

/// <summary>
/// The denoising UNet: <c>sample</c> [B,C,h,w], <c>timestep</c> (see <see cref="TimestepInput"/>),
/// <c>encoder_hidden_states</c> [B,77,D] → <c>out_sample</c> [B,C,h,w]. When the model takes one
/// timestep per call and a batch holds several, the batch runs as one call per distinct timestep.
/// </summary>
public sealed class UnetModel : IDisposable
{
    private const string SampleName = "sample";
    private const string TimestepName = "timestep";
    private const string HiddenName = "encoder_hidden_states";
    private static readonly string[] InputNames = [SampleName, TimestepName, HiddenName];

    private readonly string[] _outputNames;
    private readonly bool _timestepIsScalar;

    /// <param name="session">The unet/model.onnx session.</param>
    /// <param name="configSampleSize">unet/config.json sample_size, used when the export's latent size is symbolic.</param>
    /// <param name="configHiddenSize">cross_attention_dim, used when the hidden size is symbolic.</param>
    public UnetModel(OnnxModelSession session, int? configSampleSize = null, int? configHiddenSize = null, int? configChannels = null)
    {
        Session = session;
        foreach (var name in session.Inputs.Keys.Where(n => !InputNames.Contains(n)))
        {
            throw new InvalidDataException($"{session.ModelPath}: unsupported UNet input '{name}' (expected {string.Join(", ", InputNames)}).");
        }
        var sample = session.Input(SampleName);
        TensorMetadata.RequireType(session, SampleName, sample, TensorElementType.Float);
        TensorMetadata.RequireRank(session, SampleName, sample, 4);
        Channels = TensorMetadata.Fixed(sample, 1) ?? configChannels ?? 4;
        LatentHeight = TensorMetadata.Fixed(sample, 2) ?? configSampleSize
            ?? throw new InvalidDataException($"{session.ModelPath}: the latent size is symbolic and unet/config.json has no sample_size.");
        LatentWidth = TensorMetadata.Fixed(sample, 3) ?? configSampleSize ?? LatentHeight;

        var hidden = session.Input(HiddenName);
        TensorMetadata.RequireType(session, HiddenName, hidden, TensorElementType.Float);
        TensorMetadata.RequireRank(session, HiddenName, hidden, 3);
        SequenceLength = TensorMetadata.Fixed(hidden, 1) ?? 77;
        HiddenSize = TensorMetadata.Fixed(hidden, 2) ?? configHiddenSize
            ?? throw new InvalidDataException($"{session.ModelPath}: the hidden size is symbolic and unet/config.json has no cross_attention_dim.");

        var timestep = session.Input(TimestepName);
        TensorMetadata.RequireType(session, TimestepName, timestep, TensorElementType.Float, TensorElementType.Int64);
        TensorMetadata.RequireRank(session, TimestepName, timestep, 0, 1);
        var isFloat = timestep.ElementDataType == TensorElementType.Float;
        _timestepIsScalar = timestep.Dimensions.Length == 0;
        var shared = _timestepIsScalar || timestep.Dimensions[0] == 1;
        Timestep = (shared, isFloat) switch
        {
            (false, true) => TimestepInput.PerSampleFloat,
            (false, false) => TimestepInput.PerSampleInt64,
            (true, true) => TimestepInput.SharedFloat,
            (true, false) => TimestepInput.SharedInt64,
        };
        _outputNames = [session.Outputs.ContainsKey("out_sample") ? "out_sample" : session.Outputs.Keys.Single()];
    }

    public OnnxModelSession Session { get; }
    public int Channels { get; }
    public int LatentHeight { get; }
    public int LatentWidth { get; }
    public int SequenceLength { get; }
    public int HiddenSize { get; }
    public TimestepInput Timestep { get; }

    /// <summary>Floats in one sample's latent.</summary>
    public int SampleLength => Channels * LatentHeight * LatentWidth;

    /// <summary>Floats in one sample's conditioning.</summary>
    public int HiddenLength => SequenceLength * HiddenSize;

    public bool SharesTimestep => Timestep is TimestepInput.SharedFloat or TimestepInput.SharedInt64;

    /// <summary>Buffers for batches of up to <paramref name="capacity"/> samples, reused across steps.</summary>
    public UnetBatch CreateBatch(int capacity) => new(this, capacity);

    /// <summary>Runs the UNet on the first <see cref="UnetBatch.Count"/> samples of the batch, filling its outputs.</summary>
    public void Run(UnetBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!ReferenceEquals(batch.Model, this))
        {
            throw new ArgumentException("the batch was created for another UNet.", nameof(batch));
        }
        var count = batch.Count;
        if (count == 0)
        {
            return;
        }
        if (!SharesTimestep || AllEqual(batch.Timesteps.AsSpan(0, count)))
        {
            RunRange(batch.Samples, batch.HiddenStates, batch.Outputs, batch.Timesteps, 0, count);
            return;
        }
        RunGroupedByTimestep(batch, count);
    }

    private void RunGroupedByTimestep(UnetBatch batch, int count)
    {
        var done = new bool[count];
        var members = new List<int>(count);
        for (var first = 0; first < count; first++)
        {
            if (done[first])
            {
                continue;
            }
            members.Clear();
            var t = batch.Timesteps[first];
            for (var j = first; j < count; j++)
            {
                if (!done[j] && batch.Timesteps[j] == t)
                {
                    members.Add(j);
                    done[j] = true;
                }
            }
            // gather the group into the scratch area, run, scatter the outputs back
            var scratch = batch.Scratch;
            for (var k = 0; k < members.Count; k++)
            {
                batch.Samples.AsSpan(members[k] * SampleLength, SampleLength).CopyTo(scratch.Samples.AsSpan(k * SampleLength));
                batch.HiddenStates.AsSpan(members[k] * HiddenLength, HiddenLength).CopyTo(scratch.HiddenStates.AsSpan(k * HiddenLength));
                scratch.Timesteps[k] = t;
            }
            RunRange(scratch.Samples, scratch.HiddenStates, scratch.Outputs, scratch.Timesteps, 0, members.Count);
            for (var k = 0; k < members.Count; k++)
            {
                scratch.Outputs.AsSpan(k * SampleLength, SampleLength).CopyTo(batch.Outputs.AsSpan(members[k] * SampleLength));
            }
        }
    }

    private void RunRange(float[] samples, float[] hidden, float[] outputs, float[] timesteps, int start, int count)
    {
        using var sample = TensorMetadata.Float(samples.AsMemory(start * SampleLength, count * SampleLength), count, Channels, LatentHeight, LatentWidth);
        using var states = TensorMetadata.Float(hidden.AsMemory(start * HiddenLength, count * HiddenLength), count, SequenceLength, HiddenSize);
        using var output = TensorMetadata.Float(outputs.AsMemory(start * SampleLength, count * SampleLength), count, Channels, LatentHeight, LatentWidth);
        using var timestep = CreateTimestep(timesteps, start, count);
        Session.Run(InputNames, [sample, timestep, states], _outputNames, [output]);
    }

    private OrtValue CreateTimestep(float[] timesteps, int start, int count)
    {
        long[] sharedShape = _timestepIsScalar ? [] : [1];
        switch (Timestep)
        {
            case TimestepInput.PerSampleFloat:
                return TensorMetadata.Float(timesteps.AsMemory(start, count), count);
            case TimestepInput.PerSampleInt64:
                // numpy's astype(int64): truncation toward zero
                return TensorMetadata.Int64(timesteps.AsSpan(start, count).ToArray().Select(t => (long)t).ToArray(), count);
            case TimestepInput.SharedFloat:
                return TensorMetadata.Float(new[] { timesteps[start] }, sharedShape);
            case TimestepInput.SharedInt64:
                return TensorMetadata.Int64(new[] { (long)timesteps[start] }, sharedShape);
            default:
                throw new InvalidOperationException($"unknown timestep input {Timestep}");
        }
    }

    private static bool AllEqual(ReadOnlySpan<float> values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] != values[0])
            {
                return false;
            }
        }
        return true;
    }

    public void Dispose() => Session.Dispose();
}
