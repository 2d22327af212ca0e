namespace Diffusion.Inference.Onnx;

/// <summary>
/// Reusable input/output buffers for UNet calls of up to <see cref="Capacity"/> samples. The caller
/// writes each sample's latent, timestep and conditioning, sets <see cref="Count"/>, and calls
/// <see cref="UnetModel.Run"/>. Conditioning that does not change between steps can be written once.
/// Not thread-safe: one batch per caller.
/// </summary>
public sealed class UnetBatch
{
    private UnetBatch? _scratch;
    private int _count;

    internal UnetBatch(UnetModel model, int capacity)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a batch holds at least one sample.");
        }
        Model = model;
        Capacity = capacity;
        Samples = new float[capacity * model.SampleLength];
        Outputs = new float[capacity * model.SampleLength];
        HiddenStates = new float[capacity * model.HiddenLength];
        Timesteps = new float[capacity];
        _count = capacity;
    }

    public UnetModel Model { get; }

    public int Capacity { get; }

    /// <summary>Samples to run (the first Count slots).</summary>
    public int Count
    {
        get => _count;
        set => _count = value >= 0 && value <= Capacity
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"count must be in [0, {Capacity}].");
    }

    /// <summary>[Capacity, C, h, w] model inputs (already scaled by the scheduler).</summary>
    public float[] Samples { get; }

    /// <summary>[Capacity, C, h, w] model outputs.</summary>
    public float[] Outputs { get; }

    /// <summary>[Capacity, 77, D] conditioning.</summary>
    public float[] HiddenStates { get; }

    /// <summary>One timestep per sample.</summary>
    public float[] Timesteps { get; }

    public Span<float> Sample(int index) => Samples.AsSpan(Check(index) * Model.SampleLength, Model.SampleLength);

    public Span<float> Output(int index) => Outputs.AsSpan(Check(index) * Model.SampleLength, Model.SampleLength);

    public Span<float> HiddenState(int index) => HiddenStates.AsSpan(Check(index) * Model.HiddenLength, Model.HiddenLength);

    /// <summary>Gather area for models that take one timestep per call.</summary>
    internal UnetBatch Scratch => _scratch ??= new UnetBatch(Model, Capacity);

    private int Check(int index) => index >= 0 && index < Capacity
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"sample index must be in [0, {Capacity}).");
}
