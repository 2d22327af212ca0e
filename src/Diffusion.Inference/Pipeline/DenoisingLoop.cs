using System.Numerics.Tensors;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Inference.Pipeline;

/// <summary>
/// The denoising loop of one request: per step, each image's scheduler run scales its latent into the
/// UNet batch, one UNet call serves the whole batch (classifier-free guidance as a doubled batch:
/// unconditional rows first, then conditional, as diffusers lays them out), then each run steps. With output reuse on
/// (<see cref="StepOutputReuse"/>), a step where every image may reuse skips the UNet call and steps on the last output.
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
    /// <paramref name="uncondHidden"/> is ignored when guidance is off (scale ≤ 1). <paramref name="outputReuseThreshold"/>
    /// above 0 turns on within-request output reuse.
    /// </summary>
    public DenoiseStats Run(IReadOnlyList<IDiffusionScheduler> runs, float[] latents, ReadOnlySpan<float> condHidden,
        ReadOnlySpan<float> uncondHidden, float guidanceScale, IReadOnlySet<int>? captureSteps, GenerationHooks? hooks,
        CancellationToken cancellationToken, float outputReuseThreshold = 0)
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
        var reuse = outputReuseThreshold > 0 ? runs.Select(_ => StepOutputReuse.For(outputReuseThreshold, length)!).ToArray() : null;
        var reusedSteps = 0;
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
            // every image's reuse sees every step's input; the UNet call is skipped only when all of them may reuse
            var reuseAll = reuse is not null;
            for (var j = 0; reuse is not null && j < n; j++)
            {
                reuseAll &= reuse[j].MayReuse(batch.Sample(j), step, total);
            }
            if (reuseAll)
            {
                for (var j = 0; j < n; j++)
                {
                    reuse![j].MarkReused();
                    runs[j].Step(reuse[j].LastOutput, step, latents.AsSpan(j * length, length), latents.AsSpan(j * length, length));
                }
                reusedSteps += n;
                hooks?.StepCompleted?.Invoke(new StepProgress(step + 1, total, _time.GetElapsedTime(started)));
                continue;
            }
            _unet.Run(batch);
            for (var j = 0; j < n; j++)
            {
                var latent = latents.AsSpan(j * length, length);
                ReadOnlySpan<float> output = batch.Output(j);
                if (guided)
                {
                    // ε = ε_u + g·(ε_c − ε_u)
                    TensorPrimitives.Subtract(batch.Output(n + j), batch.Output(j), guidedOutput);
                    TensorPrimitives.MultiplyAdd(guidedOutput, guidanceScale, batch.Output(j), guidedOutput);
                    output = guidedOutput;
                }
                reuse?[j].Computed(output);
                runs[j].Step(output, step, latent, latent);
            }
            hooks?.StepCompleted?.Invoke(new StepProgress(step + 1, total, _time.GetElapsedTime(started)));
        }
        return new DenoiseStats(total - begin, rows, _time.GetElapsedTime(started), _unet.Session.RunTime - ortBefore) { ReusedSteps = reusedSteps };
    }
}

/// <summary>What one loop cost: steps run, UNet batch rows, wall time, and the part inside ONNX Runtime's Run.</summary>
/// <remarks>The ORT time is read from the session's shared counter, so it is exact only when no other
/// request uses the same UNet session at the same time (true in the CLI and the bench).</remarks>
public readonly record struct DenoiseStats(int StepsRun, int BatchRows, TimeSpan Elapsed, TimeSpan OrtTime)
{
    /// <summary>The part of <see cref="Elapsed"/> spent waiting for a first step (a shared engine's queue; zero alone).</summary>
    public TimeSpan Waited { get; init; }

    /// <summary>Steps that reused the denoiser's last output instead of calling it (<see cref="StepOutputReuse"/>), summed over the images.</summary>
    public int ReusedSteps { get; init; }

    public double OutsideOrtFraction => Elapsed > TimeSpan.Zero ? 1 - OrtTime / Elapsed : 0;
}
