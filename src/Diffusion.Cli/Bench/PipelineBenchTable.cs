using System.Globalization;

namespace Diffusion.Cli.Bench;

/// <summary>The human-readable table printed by <c>bench pipeline</c>.</summary>
public static class PipelineBenchTable
{
    public static void Write(PipelineBenchReport r, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"models     {r.Models}");
        output.WriteLine($"unet       latent [{string.Join("x", r.LatentShape)}], image {r.ImageSize[0]}x{r.ImageSize[1]}, timestep input {r.TimestepInput}, threads {(r.Threads == 0 ? "all" : r.Threads.ToString(c))} of {r.ProcessorCount}");
        output.WriteLine();
        output.WriteLine("UNet batch | median ms/call | best ms/call | ms/sample");
        output.WriteLine("-----------+----------------+--------------+----------");
        foreach (var l in r.UnetLatency)
        {
            output.WriteLine(string.Format(c, "{0,10} | {1,14:F2} | {2,12:F2} | {3,9:F2}", l.Batch, l.MedianMsPerCall, l.BestMsPerCall, l.MedianMsPerSample));
        }
        output.WriteLine();
        output.WriteLine(string.Format(c, "end to end            {0:F3} images/s ({1} images, {2} steps, guidance {3})",
            r.EndToEnd.ImagesPerSecond, r.EndToEnd.Images, r.EndToEnd.Steps, r.EndToEnd.GuidanceScale));
        output.WriteLine(string.Format(c, "outside ORT at b=16   {0:P2} of the loop ({1:F3} s loop, {2:F3} s in Run, {3} steps){4}",
            r.OutsideOrtFraction, r.OutsideOrt.LoopSeconds, r.OutsideOrt.OrtRunSeconds, r.OutsideOrt.Steps,
            r.OutsideOrtFraction <= 0.05 ? "  [ok ≤ 5%]" : "  [ABOVE 5%]"));
        output.WriteLine(r.UnetGflops is { } g
            ? string.Format(c, "UNet achieved         {0:F2} GFLOP/s at batch 16 ({1:F4} GFLOP/sample)", g, r.FlopsPerSample / 1e9)
            : "UNet achieved         unknown (no flops_per_sample)");
        output.WriteLine(string.Format(c, "SGEMM peak            {0:F2} GFLOP/s one thread, {1:F2} GFLOP/s all threads (MatMul {2}³)",
            r.Sgemm.SingleThreadGflops, r.Sgemm.AllThreadsGflops, r.Sgemm.Size));
        if (r.UnetFractionOfPeak is { } f)
        {
            output.WriteLine(string.Format(c, "UNet / peak           {0:P1}", f));
        }
        foreach (var note in r.Notes)
        {
            output.WriteLine("note: " + note);
        }
    }
}
