using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine.Denoising;

/// <summary>
/// Folds the step events of a request's images (one engine job each) into the request's progress, as the
/// pipeline reports it: step s is done when every image has done it. Thread-safe.
/// </summary>
internal sealed class RequestProgress(int images, int totalSteps, int startStep, Action<StepProgress> report, Func<TimeSpan> elapsed)
{
    private readonly int[] _done = Enumerable.Repeat(startStep, images).ToArray();
    private readonly object _lock = new();
    private int _reported = startStep;

    public void OnStep(int image, int completedSteps)
    {
        lock (_lock)
        {
            _done[image] = Math.Max(_done[image], completedSteps);
            int all = _done.Min();
            while (_reported < all)
            {
                _reported++;
                report(new StepProgress(_reported, totalSteps, elapsed()));
            }
        }
    }
}
