using System.Globalization;
using Diffusion.Replay.Metrics;

namespace Diffusion.Replay.Stats;

/// <summary>The replay's acceptance rule: zero lost requests, and no reported server counter that disagrees.</summary>
public static class AcceptanceCheck
{
    public static Acceptance Judge(IEnumerable<PassSummary> passes)
    {
        var failures = new List<string>();
        foreach (var pass in passes)
        {
            if (pass.Requests.Lost != 0)
                failures.Add($"{pass.Label}: {pass.Requests.Lost} sent request(s) have no line in the requests file");
            foreach (var check in pass.ServerCounters.Where(c => c.Status == CheckStatus.Mismatch))
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{pass.Label}: {check.Name} ({check.Description}): the replay counted {check.Ours}, the server's {check.Source} counter moved by {check.ServerDelta:0.###}"));
        }
        return new Acceptance(failures.Count == 0, failures);
    }
}
