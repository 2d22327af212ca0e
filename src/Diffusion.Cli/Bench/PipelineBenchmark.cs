using System.Diagnostics;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace Diffusion.Cli.Bench;

/// <summary>The measurements behind <c>bench pipeline</c>. Short by default; --quick shorter still.</summary>
public sealed class PipelineBenchmark(DiffusionPipeline pipeline, int threads, bool quick, TextWriter log)
{
    private const string Prompt = "a photo of a red apple on a wooden table, studio light";
    private int Repeats => quick ? 3 : 10;

    public PipelineBenchReport Run(string modelsPath, CancellationToken cancellationToken)
    {
        var models = pipeline.Models;
        var unet = models.Unet;
        var notes = new List<string>();

        log.WriteLine("UNet latency (raw calls, no guidance) ...");
        var latency = new List<UnetLatency>();
        double? gflops = null;
        var flopsPerSample = models.Folder.ReadNumber(models.Folder.DenoiserPart, "flops_per_sample");
        foreach (var batchSize in new[] { 1, 4, 16 })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (measured, ortSecondsPerCall) = MeasureUnet(unet, batchSize);
            latency.Add(measured);
            if (batchSize == 16 && flopsPerSample is { } f)
            {
                gflops = f * batchSize / ortSecondsPerCall / 1e9;
            }
        }
        if (flopsPerSample is null)
        {
            notes.Add($"{models.Folder.DenoiserPart}/config.json has no flops_per_sample; run tests/fixtures/sd15-conformance/count_unet_flops.py on that folder to add it.");
        }

        var steps = 50;
        log.WriteLine($"end to end ({steps} steps, guidance 7.5) ...");
        pipeline.Generate(new GenerationRequest { Prompt = Prompt, Steps = 2 }, cancellationToken: cancellationToken);
        var images = quick ? 1 : 3;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < images; i++)
        {
            pipeline.Generate(new GenerationRequest { Prompt = Prompt, Steps = steps, Seed = (ulong)i }, cancellationToken: cancellationToken);
        }
        watch.Stop();
        var endToEnd = new EndToEnd(steps, 7.5f, images, watch.Elapsed.TotalSeconds, images / watch.Elapsed.TotalSeconds);

        var loopSteps = quick ? 10 : 50;
        log.WriteLine($"denoising loop at UNet batch 16 (8 images with guidance, {loopSteps} steps) ...");
        var batched = new GenerationRequest { Prompt = Prompt, ImageCount = 8, Steps = 2 };
        pipeline.Generate(batched, cancellationToken: cancellationToken);
        var stats = pipeline.Generate(batched with { Steps = loopSteps }, cancellationToken: cancellationToken).Denoise;
        var outside = new OutsideOrt(stats.BatchRows, stats.StepsRun, stats.Elapsed.TotalSeconds, stats.OrtTime.TotalSeconds);

        log.WriteLine("SGEMM peak through ONNX Runtime MatMul ...");
        var size = quick ? 512 : 1024;
        var sgemm = new Sgemm(size, MeasureSgemm(size, 1), MeasureSgemm(size, threads));

        return new PipelineBenchReport
        {
            Models = Path.GetFullPath(modelsPath),
            Quick = quick,
            Threads = threads,
            ProcessorCount = Environment.ProcessorCount,
            TimestepInput = unet.Timestep.ToString(),
            LatentShape = [unet.Channels, unet.LatentHeight, unet.LatentWidth],
            ImageSize = [models.ImageWidth, models.ImageHeight],
            UnetLatency = latency,
            EndToEnd = endToEnd,
            OutsideOrtFraction = stats.OutsideOrtFraction,
            OutsideOrt = outside,
            FlopsPerSample = flopsPerSample,
            UnetGflops = gflops,
            Sgemm = sgemm,
            UnetFractionOfPeak = gflops / sgemm.AllThreadsGflops,
            Notes = notes,
        };
    }

    private (UnetLatency Latency, double OrtSecondsPerCall) MeasureUnet(UnetModel unet, int batchSize)
    {
        var batch = unet.CreateBatch(batchSize);
        new SeededNormalRng(1).Fill(batch.Samples);
        new SeededNormalRng(2).Fill(batch.HiddenStates);
        Array.Fill(batch.Timesteps, 500f);
        unet.Run(batch);
        unet.Run(batch);
        var times = new double[Repeats];
        var ortBefore = unet.Session.RunTime;
        for (var i = 0; i < Repeats; i++)
        {
            var start = Stopwatch.GetTimestamp();
            unet.Run(batch);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var ortPerCall = (unet.Session.RunTime - ortBefore).TotalSeconds / Repeats;
        Array.Sort(times);
        var median = times[times.Length / 2];
        return (new UnetLatency(batchSize, Repeats, median, times[0], median / batchSize), ortPerCall);
    }

    private double MeasureSgemm(int size, int intraOpThreads)
    {
        using var options = OnnxModelSession.CreateSessionOptions(new OnnxRuntimeOptions { IntraOpThreads = intraOpThreads });
        using var session = new InferenceSession(MatMulModelBuilder.Build(size, size, size), options);
        var a = new float[size * size];
        var b = new float[size * size];
        var c = new float[size * size];
        new SeededNormalRng(5).Fill(a);
        new SeededNormalRng(6).Fill(b);
        using var av = OrtValue.CreateTensorValueFromMemory(a, [size, size]);
        using var bv = OrtValue.CreateTensorValueFromMemory(b, [size, size]);
        using var cv = OrtValue.CreateTensorValueFromMemory(c, [size, size]);
        using var runOptions = new RunOptions();
        string[] inputs = ["A", "B"];
        string[] outputs = ["C"];
        session.Run(runOptions, inputs, [av, bv], outputs, [cv]);
        var best = double.MaxValue;
        for (var i = 0; i < Repeats; i++)
        {
            var start = Stopwatch.GetTimestamp();
            session.Run(runOptions, inputs, [av, bv], outputs, [cv]);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return 2.0 * size * size * size / best / 1e9;
    }
}
