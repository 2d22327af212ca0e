using System.Collections.Concurrent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Image and job ids the server issued during the run, so generated paths can aim at things that
/// exist (and mutate real ids) rather than only at ids that are malformed or unknown.
/// </summary>
public sealed class KnownIds
{
    public const string ImageToken = "{{image}}";
    public const string JobToken = "{{job}}";

    // Well formed but never issued: the stand-ins until the server has made an image or a job.
    public const string UnknownImage = "img_00000000000000000000";
    public const string UnknownJob = "job_000000000000000000000000";

    private readonly ConcurrentQueue<string> images = new();
    private readonly ConcurrentQueue<string> jobs = new();

    public int Images => images.Count;
    public int Jobs => jobs.Count;

    public bool IsImage(string id) => images.Contains(id);
    public bool IsJob(string id) => jobs.Contains(id);

    public void AddImage(string id) => images.Enqueue(id);
    public void AddJob(string id) => jobs.Enqueue(id);

    /// <summary>The target with each token replaced by a known id, picked by <paramref name="pick"/>.</summary>
    public string Substitute(string target, int pick) => target
        .Replace(ImageToken, Pick(images, pick, UnknownImage), StringComparison.Ordinal)
        .Replace(JobToken, Pick(jobs, pick, UnknownJob), StringComparison.Ordinal);

    private static string Pick(ConcurrentQueue<string> ids, int pick, string fallback)
    {
        var all = ids.ToArray();
        return all.Length == 0 ? fallback : all[(int)((uint)pick % (uint)all.Length)];
    }
}
