using System.Numerics.Tensors;

namespace Diffusion.Inference.Pipeline;

/// <summary>
/// Reuse of the denoiser's output inside one image's run, by TeaCache's rule applied to what any exported denoiser
/// takes and gives (so it needs nothing from the network's inside): at every step the relative L1 change of the model
/// input since the step before is added up; while that sum since the last computed step stays under
/// <see cref="Threshold"/>, the step reuses the last computed (guided) output instead of calling the denoiser. The first
/// step and the last one always call it. One instance per image run; not thread-safe.
/// </summary>
public sealed class StepOutputReuse
{
    /// <summary>The largest threshold accepted: a relative change summed over steps; beyond a few, nearly every step would reuse.</summary>
    public const float MaxThreshold = 10f;

    private readonly float[] _previousInput;
    private readonly float[] _difference;
    private float[]? _output;
    private double _changeSinceComputed;
    private bool _hasPrevious;

    public StepOutputReuse(float threshold, int length)
    {
        if (!float.IsFinite(threshold) || threshold <= 0 || threshold > MaxThreshold)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"the reuse threshold must be in (0, {MaxThreshold}].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Threshold = threshold;
        _previousInput = new float[length];
        _difference = new float[length];
    }

    public float Threshold { get; }

    /// <summary>One image run's reuse at <paramref name="threshold"/>; null when it is 0 (off).</summary>
    public static StepOutputReuse? For(float threshold, int length) => threshold > 0 ? new StepOutputReuse(threshold, length) : null;

    /// <summary>Steps that reused an output instead of calling the denoiser.</summary>
    public int Reused { get; private set; }

    /// <summary>The output the next reusing step takes: the last computed step's.</summary>
    public ReadOnlySpan<float> LastOutput => _output ?? throw new InvalidOperationException("no step has been computed yet.");

    /// <summary>
    /// Adds this step's input change and says whether the step may reuse the last output: false on the first step, the
    /// last step (<paramref name="step"/> = <paramref name="totalSteps"/> − 1), and once the change since the last
    /// computed step reaches the threshold. Call once per step, then <see cref="MarkReused"/> or <see cref="Computed"/>.
    /// </summary>
    public bool MayReuse(ReadOnlySpan<float> input, int step, int totalSteps)
    {
        if (input.Length != _previousInput.Length)
        {
            throw new ArgumentException($"expected an input of {_previousInput.Length} values, got {input.Length}.", nameof(input));
        }
        if (_hasPrevious)
        {
            _changeSinceComputed += RelativeChange(input, _previousInput, _difference);
        }
        input.CopyTo(_previousInput);
        _hasPrevious = true;
        return _output is not null && step < totalSteps - 1 && _changeSinceComputed < Threshold;
    }

    /// <summary>The step took <see cref="LastOutput"/>.</summary>
    public void MarkReused() => Reused++;

    /// <summary>The step called the denoiser and got <paramref name="output"/> (after guidance): the next reuse takes it.</summary>
    public void Computed(ReadOnlySpan<float> output)
    {
        _output ??= new float[output.Length];
        output.CopyTo(_output);
        _changeSinceComputed = 0;
    }

    /// <summary>Mean |a − b| over mean |b|: the relative L1 change TeaCache accumulates.</summary>
    public static double RelativeChange(ReadOnlySpan<float> current, ReadOnlySpan<float> previous, Span<float> difference)
    {
        double scale = TensorPrimitives.SumOfMagnitudes(previous);
        if (scale <= 0)
        {
            return double.PositiveInfinity;
        }
        TensorPrimitives.Subtract(current, previous, difference);
        return TensorPrimitives.SumOfMagnitudes(difference) / scale;
    }
}
