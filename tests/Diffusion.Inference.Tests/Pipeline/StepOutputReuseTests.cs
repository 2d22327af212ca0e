using Diffusion.Inference.Pipeline;

namespace Diffusion.Inference.Tests.Pipeline;

/// <summary>Within-request output reuse: TeaCache's accumulate-and-reset rule on the denoiser's inputs.</summary>
public sealed class StepOutputReuseTests
{
    private static float[] Input(float value) => [value, value, value, value];

    [Fact]
    public void The_first_step_computes_small_changes_reuse_until_their_sum_reaches_the_threshold()
    {
        var reuse = new StepOutputReuse(0.25f, 4);
        Assert.False(reuse.MayReuse(Input(1.0f), 0, 10));          // nothing computed yet
        reuse.Computed(Input(7));

        Assert.True(reuse.MayReuse(Input(1.1f), 1, 10));           // change 0.1
        reuse.MarkReused();
        Assert.Equal(Input(7), reuse.LastOutput.ToArray());
        Assert.True(reuse.MayReuse(Input(1.21f), 2, 10));          // 0.1 + 0.1
        reuse.MarkReused();
        Assert.False(reuse.MayReuse(Input(1.331f), 3, 10));        // 0.3 ≥ 0.25: call the denoiser
        reuse.Computed(Input(8));

        Assert.True(reuse.MayReuse(Input(1.4641f), 4, 10));        // the sum starts again after a call
        reuse.MarkReused();
        Assert.Equal(Input(8), reuse.LastOutput.ToArray());
        Assert.Equal(3, reuse.Reused);
    }

    [Fact]
    public void The_last_step_always_calls_the_denoiser()
    {
        var reuse = new StepOutputReuse(5f, 4);
        reuse.MayReuse(Input(1), 0, 3);
        reuse.Computed(Input(0.5f));
        Assert.True(reuse.MayReuse(Input(1), 1, 3));
        Assert.False(reuse.MayReuse(Input(1), 2, 3));
    }

    [Fact]
    public void The_relative_change_is_the_l1_distance_over_the_previous_inputs_magnitude()
    {
        Assert.Equal(0.5, StepOutputReuse.RelativeChange([1, -3], [2, -2], new float[2]), 6);
        Assert.Equal(double.PositiveInfinity, StepOutputReuse.RelativeChange([1, 1], [0, 0], new float[2]));
    }

    [Fact]
    public void Thresholds_outside_the_range_are_refused_with_a_clear_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepOutputReuse(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepOutputReuse(float.NaN, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepOutputReuse(StepOutputReuse.MaxThreshold + 1, 4));
        var error = Assert.Throws<ArgumentException>(() =>
            new GenerationRequest { Prompt = "a cat", OutputReuseThreshold = -1 }.Validate(64, 64, 4 * 8 * 8));
        Assert.Contains("output reuse threshold", error.Message);
    }
}
