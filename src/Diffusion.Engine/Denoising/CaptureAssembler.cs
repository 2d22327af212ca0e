using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine.Denoising;

/// <summary>
/// Joins the per-image latents captured at a cache step into one capture of the whole request
/// ([ImageCount,C,h,w]), the shape the pipeline hands to the cache writer. With one image it passes
/// captures straight through. Thread-safe.
/// </summary>
internal sealed class CaptureAssembler(int images, int latentLength, Action<LatentCapture> deliver)
{
    private readonly Dictionary<int, (float[] Latents, int Count, float Timestep)> _pending = new();
    private readonly object _lock = new();

    /// <summary>The callback for image <paramref name="image"/>'s job.</summary>
    public Action<LatentCapture> ForImage(int image) => capture => Add(image, capture);

    private void Add(int image, LatentCapture capture)
    {
        if (images == 1)
        {
            deliver(capture);
            return;
        }

        LatentCapture? complete = null;
        lock (_lock)
        {
            if (!_pending.TryGetValue(capture.Step, out var entry))
            {
                entry = (new float[images * latentLength], 0, capture.Timestep);
            }

            capture.Latents.CopyTo(entry.Latents, image * latentLength);
            entry.Count++;
            if (entry.Count == images)
            {
                _pending.Remove(capture.Step);
                complete = new LatentCapture(capture.Step, capture.TotalSteps, entry.Timestep, entry.Latents);
            }
            else
            {
                _pending[capture.Step] = entry;
            }
        }

        if (complete is not null)
        {
            deliver(complete);
        }
    }
}
