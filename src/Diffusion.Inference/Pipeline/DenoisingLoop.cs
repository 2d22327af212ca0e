using System.Numerics.Tensors;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Inference.Pipeline;

/// <summary>
/// The denoising loop of one request: per step, each image's scheduler run scales its latent into the
/// UNet batch, one UNet call serves the whole batch (classifier-free guidance as a doubled batch:
/// unconditional rows first, then conditional, as diffusers lays them out), then each run steps.
/// </summary>
public sealed class DenoisingLoop
{
    private readonly UnetModel _unet;
    private readonly TimeProvider _time;

    public DenoisingLoop(UnetModel unet, TimeProvider? time = null)
    {
        _unet = unet ?? throw new ArgumentNullException(nameof(unet));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Denoises <paramref name="latents"/> ([n,C,h,w], entering each run's begin index) in place.
    /// <paramref name="condHidden"/> / <paramref name="uncondHidden"/> are one [77,D] row each, shared by the n images;
    /// <paramref name="uncondHidden"/> is ignored when guidance is off (scale ≤ 1).
    /// </summary>
    public DenoiseStats Run(IReadOnlyList<IDiffusionScheduler> runs, float[] latents, ReadOnlySpan<float> condHidden,
        ReadOnlySpan<float> uncondHidden, float guidanceScale, IReadOnlySet<int>? captureSteps, GenerationHooks? hooks,
        CancellationToken cancellationToken)
    {
        var n = runs.Count;
        var length = _unet.SampleLength;
        if (n == 0 || latents.Length != n * length)
        {
            throw new ArgumentException($"expected {n} latents of {length} values, got {latents.Length} values.");
        }
        if (condHidden.Length != _unet.HiddenLength)
        {
            throw new ArgumentException($"conditioning has {condHidden.Length} values; the UNet takes {_unet.SequenceLength}×{_unet.HiddenSize}.");
        }
        var first = runs[0];
        var begin = first.BeginIndex;
        var total = first.NumInferenceSteps;
        if (runs.Any(r => r.NumInferenceSteps != total || r.BeginIndex != begin))
        {
            throw new ArgumentException("all runs of one request share the step count and begin index.");
        }
        var guided = guidanceScale > 1f;
        var rows = guided ? 2 * n : n;
        var batch = _unet.CreateBatch(rows);
        // conditioning is the same at every step: write it once
        for (var j = 0; j < n; j++)
        {
            if (guided)
            {
                uncondHidden.CopyTo(batch.HiddenState(j));
                condHidden.CopyTo(batch.HiddenState(n + j));
            }
            else
            {
                condHidden.CopyTo(batch.HiddenState(j));
            }
        }

        var guidedOutput = new float[length];
        var ortBefore = _unet.Session.RunTime;
        var started = _time.GetTimestamp();
        for (var step = begin; step < total; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var timestep = first.Timesteps[step];
            if (captureSteps is not null && captureSteps.Contains(step) && hooks?.LatentCaptured is { } capture)
            {
                capture(new LatentCapture(step, total, timestep, (float[])latents.Clone()));
            }
            for (var j = 0; j < n; j++)
            {
                var latent = latents.AsSpan(j * length, length);
                runs[j].ScaleModelInput(latent, step, batch.Sample(j));
                batch.Timesteps[j] = timestep;
                if (guided)
                {
                    batch.Sample(j).CopyTo(batch.Sample(n + j));
                    batch.Timesteps[n + j] = timestep;
                }
            }
            _unet.Run(batch);
            for (var j = 0; j < n; j++)
            {
                var latent = latents.AsSpan(j * length, length);
                if (guided)
                {
                    // ε = ε_u + g·(ε_c − ε_u)
                    TensorPrimitives.Subtract(batch.Output(n + j), batch.Output(j), guidedOutput);
                    TensorPrimitives.MultiplyAdd(guidedOutput, guidanceScale, batch.Output(j), guidedOutput);
                    runs[j].Step(guidedOutput, step, latent, latent);
                }
                else
                {
                    runs[j].Step(batch.Output(j), step, latent, latent);
                }
            }
            hooks?.StepCompleted?.Invoke(new StepProgress(step + 1, total, _time.GetElapsedTime(started)));
        }
        return new DenoiseStats(total - begin, rows, _time.GetElapsedTime(started), _unet.Session.RunTime - ortBefore);
    }
}

/// <summary>What one loop cost: steps run, UNet batch rows, wall time, and the part inside ONNX Runtime's Run.</summary>
/// <remarks>The ORT time is read from the session's shared counter, so it is exact only when no other
/// request uses the same UNet session at the same time (true in the CLI and the bench).</remarks>
public readonly record struct DenoiseStats(int StepsRun, int BatchRows, TimeSpan Elapsed, TimeSpan OrtTime)
{
    /// <summary>The part of <see cref="Elapsed"/> spent waiting for a first step (a shared engine's queue; zero alone).</summary>
    public TimeSpan Waited { get; init; }

    public double OutsideOrtFraction => Elapsed > TimeSpan.Zero ? 1 - OrtTime / Elapsed : 0;
}
