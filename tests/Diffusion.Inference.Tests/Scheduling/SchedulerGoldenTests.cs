using System.Text.Json;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Inference.Tests.Scheduling;

/// <summary>Seeded golden numbers from the fixture's independent torch implementation of diffusers' math.</summary>
public sealed class SchedulerGoldenTests
{
    private static readonly JsonDocument Goldens = JsonDocument.Parse(File.ReadAllText(TestPaths.FixtureFile("scheduler_goldens.json")));

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        var count = Goldens.RootElement.GetProperty("cases").GetArrayLength();
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }
        return data;
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference(int index)
    {
        var root = Goldens.RootElement;
        var c = root.GetProperty("cases")[index];
        var configJson = root.GetProperty("configs").GetProperty(c.GetProperty("config").GetString()!).GetRawText();
        var kind = SchedulerKinds.Parse(c.GetProperty("scheduler").GetString()!);
        var steps = c.GetProperty("steps").GetInt32();
        var label = $"{c.GetProperty("config").GetString()} {kind} {steps}";
        var s = new SchedulerFactory(SchedulerConfig.Parse(configJson)).Create(kind, steps);

        Assert.Equal(Floats(c.GetProperty("timesteps")), s.Timesteps.ToArray());
        var sigma = c.GetProperty("init_noise_sigma").GetDouble();
        Assert.True(Math.Abs(sigma - s.InitNoiseSigma) <= 1e-5 * Math.Max(1, sigma), $"{label}: init_noise_sigma {s.InitNoiseSigma} vs {sigma}");

        var x0 = Floats(root.GetProperty("x0"));
        var noise = Floats(root.GetProperty("noise"));
        var bias = Floats(root.GetProperty("bias"));
        var x = new float[x0.Length];
        s.AddNoise(x0, noise, s.Timesteps[0], x);
        AssertClose(Floats(c.GetProperty("noisy")), x, 1e-5, label + " add_noise");

        var input = new float[x.Length];
        var output = new float[x.Length];
        s.ScaleModelInput(x, 0, input);
        AssertClose(Floats(c.GetProperty("scaled_input_0")), input, 1e-5, label + " scale_model_input");
        for (var i = 0; i < steps; i++)
        {
            s.ScaleModelInput(x, i, input);
            var t = s.Timesteps[i];
            var scale = (float)(0.3 + 0.2 * Math.Sin(t / 137.0));
            for (var j = 0; j < x.Length; j++)
            {
                output[j] = input[j] * scale + bias[j];
            }
            s.Step(output, i, x, x);
        }
        AssertClose(Floats(c.GetProperty("final")), x, 1e-4, label + " final");
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var err = Math.Abs(expected[i] - actual[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            worst = Math.Max(worst, err);
        }
        Assert.True(worst <= tolerance, $"{what}: worst relative error {worst:E2} > {tolerance:E0}");
    }
}
