using Diffusion.Inference.Sampling;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Inference.Tests.Scheduling;

/// <summary>What every sampler must satisfy; each sampler's test class inherits these.</summary>
public abstract class SchedulerContractTests
{
    protected abstract SchedulerKind Kind { get; }

    /// <summary>Whether a run resumed at step K reproduces the full run's tail bit for bit (not for multistep solvers).</summary>
    protected virtual bool ResumeIsExact => true;

    protected static SchedulerConfig Sd15Config { get; } =
        SchedulerConfig.Load(Path.Combine(TestPaths.FixtureModel, "scheduler", "scheduler_config.json"));

    protected IDiffusionScheduler Create(int steps, SchedulerConfig? config = null) =>
        new SchedulerFactory(config ?? Sd15Config).Create(Kind, steps);

    protected static float[] Gaussian(int seed, int count)
    {
        var rng = new SeededNormalRng((ulong)seed);
        var values = new float[count];
        rng.Fill(values);
        return values;
    }

    /// <summary>A deterministic stand-in for a UNet.</summary>
    protected static void FakeModel(ReadOnlySpan<float> input, float timestep, Span<float> output)
    {
        var scale = (float)(0.3 + 0.2 * Math.Sin(timestep / 137.0));
        for (var i = 0; i < input.Length; i++)
        {
            output[i] = input[i] * scale + 0.05f * MathF.Cos(i);
        }
    }

    protected static float[] Run(IDiffusionScheduler s, float[] latent, int from, Func<int, float[], float[]>? model = null, int? until = null)
    {
        var x = (float[])latent.Clone();
        var input = new float[x.Length];
        var output = new float[x.Length];
        for (var i = from; i < (until ?? s.NumInferenceSteps); i++)
        {
            s.ScaleModelInput(x, i, input);
            if (model is null)
            {
                FakeModel(input, s.Timesteps[i], output);
            }
            else
            {
                output = model(i, x);
            }
            s.Step(output, i, x, x);
        }
        return x;
    }

    public static TheoryData<int, string?> StepsAndSpacings()
    {
        var data = new TheoryData<int, string?>();
        foreach (var steps in new[] { 1, 2, 10, 25, 50, 100 })
        {
            foreach (var spacing in new[] { null, "leading", "trailing", "linspace" })
            {
                data.Add(steps, spacing);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(StepsAndSpacings))]
    public void Timesteps_are_strictly_decreasing_and_in_range(int steps, string? spacing)
    {
        var config = spacing is null ? Sd15Config : Sd15Config with { TimestepSpacing = Enum.Parse<TimestepSpacing>(spacing, ignoreCase: true) };
        var s = Create(steps, config);
        Assert.Equal(steps, s.NumInferenceSteps);
        Assert.Equal(steps, s.Timesteps.Count);
        for (var i = 0; i < steps; i++)
        {
            Assert.InRange(s.Timesteps[i], 0f, config.NumTrainTimesteps - 1);
            if (i > 0)
            {
                Assert.True(s.Timesteps[i] < s.Timesteps[i - 1], $"timesteps not decreasing at {i}: {s.Timesteps[i - 1]} then {s.Timesteps[i]}");
            }
        }
        // (a 1-step linspace Euler schedule sits at t=0, so σ can be below 1 there, as in diffusers)
        Assert.True(s.InitNoiseSigma > 0f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(1001)]
    public void Impossible_step_counts_are_rejected(int steps)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(steps));
    }

    [Fact]
    public void Begin_index_keeps_the_schedule_and_only_allows_its_tail()
    {
        var s = Create(20);
        var full = s.Timesteps.ToArray();
        s.SetBeginIndex(5);
        Assert.Equal(5, s.BeginIndex);
        Assert.Equal(full, s.Timesteps);
        var x = new float[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Step(x, 4, x, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.SetBeginIndex(20));
        s.Step(x, 5, x, x);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(15)]
    public void Resuming_at_K_from_the_full_runs_latent_gives_its_tail(int k)
    {
        const int steps = 20;
        var start = Gaussian(1, 64);
        var full = Create(steps);
        for (var i = 0; i < start.Length; i++)
        {
            start[i] *= full.InitNoiseSigma;
        }
        var atK = Run(Create(steps), start, 0, until: k);
        var expected = Run(full, start, 0);

        var resumed = Create(steps);
        resumed.SetBeginIndex(k);
        var actual = Run(resumed, atK, k);

        var maxDiff = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        if (ResumeIsExact)
        {
            Assert.Equal(expected, actual);
        }
        else
        {
            // the multistep solver restarts first order; it stays close to the full run
            var scale = expected.Max(Math.Abs);
            Assert.True(maxDiff < 0.05f * scale, $"resume differs by {maxDiff} (scale {scale})");
        }
    }

    [Fact]
    public void Resume_noise_makes_a_resumed_run_depend_on_the_noise_and_strength_zero_is_the_plain_run()
    {
        const int steps = 20, k = 10;
        var atK = Gaussian(7, 256);
        float[] Resumed(float[]? noise, float strength)
        {
            var s = Create(steps);
            s.SetBeginIndex(k);
            if (noise is not null) s.SetResumeNoise(noise, strength);
            return Run(s, atK, k);
        }

        var plain = Resumed(null, 0f);
        Assert.Equal(plain, Resumed(Gaussian(8, 256), 0f));
        var seedA = Resumed(Gaussian(8, 256), 1f);
        var seedB = Resumed(Gaussian(9, 256), 1f);
        Assert.Equal(seedA, Resumed(Gaussian(8, 256), 1f));   // the same noise, the same result
        var spread = plain.Max(Math.Abs);
        Assert.True(seedA.Zip(seedB, (a, b) => Math.Abs(a - b)).Max() > 1e-3f * spread, "two noises gave the same run");
        Assert.True(seedA.Zip(plain, (a, b) => Math.Abs(a - b)).Max() > 1e-3f * spread, "resume noise changed nothing");
        // A half-strength mix lies between: it moves less far from the plain run than the full one on average.
        var half = Resumed(Gaussian(8, 256), 0.5f);
        double Distance(float[] a, float[] b) => a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum();
        Assert.True(Distance(half, plain) < Distance(seedA, plain), "strength 0.5 moved as far as strength 1");
    }

    [Fact]
    public void Resume_noise_with_a_perfect_predictor_lands_on_the_clean_latent_noised_with_the_fresh_noise()
    {
        var config = Sd15Config with { SetAlphaToOne = true };
        const int steps = 20, k = 8;
        var x0 = Gaussian(2, 256);
        var original = Gaussian(3, 256);
        var fresh = Gaussian(4, 256);
        var s = Create(steps, config);
        s.SetBeginIndex(k);
        s.SetResumeNoise(fresh, 1f);
        var noisy = new float[x0.Length];
        s.AddNoise(x0, original, s.Timesteps[k], noisy);
        // One step with a model that predicts the original noise exactly (ε prediction, the fixture's type):
        // the result is x0 noised with the fresh noise at step k+1.
        var result = Run(s, noisy, k, (_, _) => original, until: k + 1);
        var expected = new float[x0.Length];
        s.AddNoise(x0, fresh, s.Timesteps[k + 1], expected);
        var maxErr = expected.Zip(result, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxErr < 2e-3f, $"max error {maxErr}");
    }

    [Fact]
    public void Resume_noise_of_the_wrong_length_or_strength_is_refused()
    {
        var s = Create(10);
        s.SetBeginIndex(5);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.SetResumeNoise(new float[8], 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.SetResumeNoise(new float[8], float.NaN));
        s.SetResumeNoise(new float[4], 1f);
        var x = new float[8];
        Assert.Throws<ArgumentException>(() => s.Step(x, 5, x, x));
    }

    [Theory]
    [InlineData(10, 0)]
    [InlineData(25, 0)]
    [InlineData(50, 0)]
    [InlineData(50, 30)]
    public void A_perfect_noise_predictor_recovers_the_original(int steps, int beginIndex)
    {
        var config = Sd15Config with { SetAlphaToOne = true };
        var x0 = Gaussian(2, 256);
        var noise = Gaussian(3, 256);
        var s = Create(steps, config);
        s.SetBeginIndex(beginIndex);
        var noisy = new float[x0.Length];
        s.AddNoise(x0, noise, s.Timesteps[beginIndex], noisy);
        var result = Run(s, noisy, beginIndex, (_, _) => noise);
        var maxErr = x0.Zip(result, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxErr < 2e-3f, $"max error {maxErr}");
    }

    [Fact]
    public void A_perfect_sample_predictor_recovers_the_original()
    {
        var config = Sd15Config with { SetAlphaToOne = true, PredictionType = PredictionType.Sample };
        var x0 = Gaussian(4, 128);
        var noise = Gaussian(5, 128);
        var s = Create(30, config);
        var noisy = new float[x0.Length];
        s.AddNoise(x0, noise, s.Timesteps[0], noisy);
        var result = Run(s, noisy, 0, (_, _) => x0);
        var maxErr = x0.Zip(result, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxErr < 1e-3f, $"max error {maxErr}");
    }

    [Fact]
    public void Runs_are_deterministic_and_independent()
    {
        var start = Gaussian(6, 64);
        var a = Create(25);
        var b = Create(25);
        // interleave two runs to show they keep separate state
        var xa = (float[])start.Clone();
        var xb = (float[])start.Clone();
        var inA = new float[64];
        var outA = new float[64];
        var inB = new float[64];
        var outB = new float[64];
        for (var i = 0; i < 25; i++)
        {
            a.ScaleModelInput(xa, i, inA);
            b.ScaleModelInput(xb, i, inB);
            FakeModel(inA, a.Timesteps[i], outA);
            FakeModel(inB, b.Timesteps[i], outB);
            a.Step(outA, i, xa, xa);
            b.Step(outB, i, xb, xb);
        }
        Assert.Equal(xa, xb);
        Assert.Equal(xa, Run(Create(25), start, 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(250)]
    [InlineData(999)]
    public void AddNoise_follows_the_cumulative_alphas(int timestep)
    {
        var s = Create(10);
        var alpha = (double)s.Schedule.AlphasCumprod[timestep];
        var signal = new float[1];
        var noiseOnly = new float[1];
        s.AddNoise([1f], [0f], timestep, signal);
        s.AddNoise([0f], [1f], timestep, noiseOnly);
        // every convention keeps the noise-to-signal ratio sqrt((1-ᾱ)/ᾱ)
        var ratio = noiseOnly[0] / (double)signal[0];
        Assert.Equal(Math.Sqrt((1 - alpha) / alpha), ratio, 4);
        Assert.True(signal[0] > 0 && signal[0] <= 1f);
    }

    [Fact]
    public void Mismatched_spans_are_rejected()
    {
        var s = Create(10);
        Assert.Throws<ArgumentException>(() => s.Step(new float[4], 0, new float[5], new float[5]));
        Assert.Throws<ArgumentException>(() => s.ScaleModelInput(new float[4], 0, new float[3]));
    }
}

public sealed class DdimSchedulerTests : SchedulerContractTests
{
    protected override SchedulerKind Kind => SchedulerKind.Ddim;

    [Fact]
    public void Sd15_config_gives_diffusers_leading_timesteps()
    {
        var s = Create(50);
        Assert.Equal(981f, s.Timesteps[0]);
        Assert.Equal(1f, s.Timesteps[^1]);
        Assert.Equal(1f, s.InitNoiseSigma);
    }
}

public sealed class EulerDiscreteSchedulerTests : SchedulerContractTests
{
    protected override SchedulerKind Kind => SchedulerKind.Euler;

    [Fact]
    public void Model_input_is_scaled_by_the_step_sigma()
    {
        var s = (EulerDiscreteScheduler)Create(10);
        var output = new float[1];
        s.ScaleModelInput([2f], 0, output);
        Assert.Equal(2f / MathF.Sqrt(s.Sigmas[0] * s.Sigmas[0] + 1f), output[0], 6);
        Assert.Equal(0f, s.Sigmas[^1]);
        Assert.Equal(s.Sigmas.Max(), s.InitNoiseSigma);
    }
}

public sealed class DpmSolverMultistepSchedulerTests : SchedulerContractTests
{
    protected override SchedulerKind Kind => SchedulerKind.DpmSolverPlusPlus2M;

    protected override bool ResumeIsExact => false;

    [Fact]
    public void Steps_out_of_order_are_refused()
    {
        var s = Create(10);
        var x = new float[8];
        s.Step(x, 0, x, x);
        Assert.Throws<InvalidOperationException>(() => s.Step(x, 2, x, x));
    }
}
