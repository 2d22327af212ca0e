using Diffusion.Inference.Models;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Sampling;

namespace Diffusion.Inference.Tests.Onnx;

public sealed class OnnxModelSessionTests
{
    private static readonly OnnxRuntimeOptions Cpu = new() { IntraOpThreads = 1 };

    private static string Part(string part) => Path.Combine(TestPaths.FixtureModel, part, "model.onnx");

    [Fact]
    public void Text_encoder_binds_int32_ids_and_returns_states_and_pooled_output()
    {
        using var encoder = new TextEncoderModel(OnnxModelSession.Open(Part("text_encoder"), Cpu));
        Assert.True(encoder.HasPooled);
        Assert.False(encoder.HasTextEmbeds);
        var ids = Enumerable.Repeat(1313, 77).ToArray();
        ids[0] = 1312;
        var other = (int[])ids.Clone();
        other[1] = 400;
        var result = encoder.Encode([ids, other]);
        Assert.Equal(2, result.BatchSize);
        Assert.Equal(77, result.SequenceLength);
        Assert.Equal(768, result.HiddenSize);
        Assert.Equal(2 * 77 * 768, result.HiddenStates.Length);
        Assert.Equal(2 * 768, result.Pooled!.Length);
        Assert.NotEqual(result.HiddenStatesOf(0).ToArray(), result.HiddenStatesOf(1).ToArray());
    }

    [Fact]
    public void Sd_unet_takes_a_scalar_int64_timestep_and_mixed_batches_run_grouped_by_timestep()
    {
        using var unet = new UnetModel(OnnxModelSession.Open(Part("unet"), Cpu), configSampleSize: 8);
        Assert.Equal(TimestepInput.SharedInt64, unet.Timestep);
        Assert.Equal(8, unet.LatentHeight);
        Assert.Equal(768, unet.HiddenSize);
        AssertBatchEqualsSingleRuns(unet, [981f, 501f, 981f, 21f]);
    }

    [Fact]
    public void Our_unet_style_takes_one_f32_timestep_per_sample()
    {
        var path = TestPaths.FixtureFile(Path.Combine("variants", "unet_per_sample_timestep.onnx"));
        using var unet = new UnetModel(OnnxModelSession.Open(path, Cpu));
        Assert.Equal(TimestepInput.PerSampleFloat, unet.Timestep);
        var calls = unet.Session.RunCount;
        var batch = FillBatch(unet, [981f, 501f, 981f]);
        unet.Run(batch);
        Assert.Equal(calls + 1, unet.Session.RunCount);
        AssertBatchEqualsSingleRuns(unet, [981f, 501f, 981f]);
    }

    private static UnetBatch FillBatch(UnetModel unet, float[] timesteps)
    {
        var batch = unet.CreateBatch(timesteps.Length);
        new SeededNormalRng(3).Fill(batch.Samples);
        new SeededNormalRng(4).Fill(batch.HiddenStates);
        timesteps.CopyTo(batch.Timesteps, 0);
        return batch;
    }

    private static void AssertBatchEqualsSingleRuns(UnetModel unet, float[] timesteps)
    {
        var batch = FillBatch(unet, timesteps);
        unet.Run(batch);
        for (var i = 0; i < timesteps.Length; i++)
        {
            var single = unet.CreateBatch(1);
            batch.Sample(i).CopyTo(single.Sample(0));
            batch.HiddenState(i).CopyTo(single.HiddenState(0));
            single.Timesteps[0] = timesteps[i];
            unet.Run(single);
            var diff = single.Output(0).ToArray().Zip(batch.Output(i).ToArray(), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(diff < 1e-4f, $"sample {i} (t={timesteps[i]}) differs by {diff} between batched and single runs");
        }
        Assert.NotEqual(batch.Output(0).ToArray(), batch.Output(1).ToArray());
    }

    [Fact]
    public void Partial_batches_run_only_their_count()
    {
        using var unet = new UnetModel(OnnxModelSession.Open(Part("unet"), Cpu), configSampleSize: 8);
        var batch = FillBatch(unet, [981f, 981f, 981f]);
        batch.Count = 2;
        Array.Clear(batch.Outputs);
        unet.Run(batch);
        Assert.Contains(batch.Output(1).ToArray(), v => v != 0f);
        Assert.All(batch.Output(2).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Cuda_without_the_gpu_build_fails_at_start_up_with_install_advice()
    {
        var options = new OnnxRuntimeOptions { ExecutionProvider = ExecutionProviderKind.Cuda };
        var ex = Assert.Throws<InvalidOperationException>(() => OnnxModelSession.Open(Part("unet"), options));
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", ex.Message);
        Assert.Contains("CUDA", ex.Message);
        Assert.Contains("cuDNN", ex.Message);
    }

    [Fact]
    public void Bad_options_and_missing_files_are_reported_clearly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxRuntimeOptions { IntraOpThreads = -1 }.Validate());
        var ex = Assert.Throws<FileNotFoundException>(() => OnnxModelSession.Open("/nonexistent/model.onnx", Cpu));
        Assert.Contains("/nonexistent/model.onnx", ex.Message);
    }

    [Fact]
    public void Run_time_is_accounted()
    {
        using var session = OnnxModelSession.Open(Part("vae_decoder"), Cpu);
        var decoder = new VaeDecoderModel(session, ModelFolder.DefaultScalingFactor);
        var images = decoder.Decode(new float[4 * 8 * 8], 1, 4, 8, 8);
        Assert.Equal(64, images.Width);
        Assert.Equal(1, session.RunCount);
        Assert.True(session.RunTime > TimeSpan.Zero);
    }
}
