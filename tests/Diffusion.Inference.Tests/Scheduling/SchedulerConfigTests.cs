using Diffusion.Inference.Scheduling;

namespace Diffusion.Inference.Tests.Scheduling;

public sealed class SchedulerConfigTests
{
    [Fact]
    public void Sd15_pndm_config_is_read_with_its_betas_and_conventions()
    {
        var config = SchedulerConfig.Load(Path.Combine(TestPaths.FixtureModel, "scheduler", "scheduler_config.json"));
        Assert.Equal("PNDMScheduler", config.ClassName);
        Assert.Equal(BetaSchedule.ScaledLinear, config.BetaSchedule);
        Assert.Equal(0.00085, config.BetaStart, 8);
        Assert.Equal(0.012, config.BetaEnd, 8);
        Assert.Equal(PredictionType.Epsilon, config.PredictionType);
        Assert.Equal(1, config.StepsOffset);
        Assert.False(config.SetAlphaToOne);
        Assert.Null(config.TimestepSpacing);
    }

    [Theory]
    [InlineData("""{"beta_schedule": "sigmoid"}""", "beta_schedule")]
    [InlineData("""{"prediction_type": "flow"}""", "prediction_type")]
    [InlineData("""{"timestep_spacing": "karras"}""", "timestep_spacing")]
    [InlineData("""{"beta_start": 0.5, "beta_end": 0.1}""", "beta_start")]
    [InlineData("""{"trained_betas": [0.1, 0.2]}""", "trained_betas")]
    [InlineData("""{"rescale_betas_zero_snr": true}""", "rescale_betas_zero_snr")]
    [InlineData("""{"num_train_timesteps": 1}""", "num_train_timesteps")]
    public void Unsupported_settings_are_named_in_the_error(string json, string field)
    {
        var ex = Assert.Throws<InvalidDataException>(() => SchedulerConfig.Parse(json));
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public void Scaled_linear_schedule_matches_the_known_sd15_endpoints()
    {
        var schedule = new NoiseSchedule(SchedulerConfig.Load(Path.Combine(TestPaths.FixtureModel, "scheduler", "scheduler_config.json")));
        // ᾱ_0 = 1 - 0.00085 and ᾱ_999 ≈ 0.0047 for SD 1.5's schedule
        Assert.Equal(0.99915f, schedule.AlphasCumprod[0], 5);
        Assert.InRange(schedule.AlphasCumprod[999], 0.0045f, 0.0049f);
        Assert.Equal(Math.Sqrt((1 - schedule.AlphasCumprod[500]) / schedule.AlphasCumprod[500]), schedule.SigmaAt(500), 4);
        Assert.InRange(schedule.SigmaAt(500.5), schedule.SigmaAt(500), schedule.SigmaAt(501));
    }
}
