using System.Text.RegularExpressions;

namespace Diffusion.Cli.Soak;

/// <summary>How the accepted requests ended; every accepted request is in exactly one of these.</summary>
public sealed record OutcomeCounts(
    int Succeeded,
    IReadOnlyDictionary<string, int> FailedWithReason,
    int Cancelled,
    int ConnectionLostInInjectedCrash,
    int ConnectionLostUnexplained,
    int NoAnswerWithinTimeout,
    int Lost)
{
    public int Total => Succeeded + FailedWithReason.Values.Sum() + Cancelled + ConnectionLostInInjectedCrash
                        + ConnectionLostUnexplained + NoAnswerWithinTimeout + Lost;
}

/// <summary>A job the service accepted that is gone or unfinished after the final restart and drain.</summary>
public sealed record LostJob(string Id, double AcceptedAt, string EndCheck, string? SeenFinal, double? FirstNotFoundAt);

/// <summary>An image whose hit names a latent the soak had corrupted or truncated before the request started.</summary>
/// <param name="ServiceLaunchedAt">When the service lifetime that took the request was launched.</param>
public sealed record CorruptServe(int Request, string Kind, string Tenant, string SourceId, int K, double CorruptedAt, double RequestStart, string How,
    double ServiceLaunchedAt);

/// <summary>A 5xx outside every kill and Redis-outage window and not a 503 during the full disk; <paramref name="DuringDiskFull"/> annotates it.</summary>
public sealed record UnexplainedServerError(double Start, double End, string Method, string Path, int Status, string Message, bool DuringDiskFull);

public sealed record SoakAccountingResult(
    int Accepted,
    IReadOnlyDictionary<string, int> NotAccepted,
    OutcomeCounts Outcomes,
    IReadOnlyList<LostJob> LostJobs,
    IReadOnlyList<CorruptServe> CorruptServed,
    IReadOnlyList<CorruptServe> CorruptNamedSameLifetime,
    IReadOnlyList<UnexplainedServerError> Unexplained5xx,
    int Explained5xx,
    int HitsServed);

/// <summary>
/// Turns what the soak saw into its verdicts: accepted requests and their outcomes, lost jobs, images
/// served from planted corrupt latents, and 5xx answers no injected fault explains. Pure: the same
/// records, windows and corruptions always give the same result.
/// </summary>
public static partial class SoakAccounting
{
    public static SoakAccountingResult Compute(
        IReadOnlyList<SoakRequest> requests,
        IReadOnlyList<ServerErrorAnswer> serverErrors,
        IReadOnlyList<FaultWindow> windows,
        IReadOnlyList<CorruptedLatent> corrupted,
        IReadOnlyList<double> serviceLaunches)
    {
        var notAccepted = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failed = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int accepted = 0, succeeded = 0, cancelled = 0, lostInCrash = 0, lostUnexplained = 0, timeouts = 0, lost = 0;
        var lostJobs = new List<LostJob>();

        foreach (var request in requests)
        {
            if (!request.IsAccepted)
            {
                var why = NotAcceptedReason(request);
                notAccepted[why] = notAccepted.GetValueOrDefault(why) + 1;
                continue;
            }
            accepted++;
            if (request.Kind == SoakRequestKind.Job && IsLost(request))
            {
                lostJobs.Add(new LostJob(request.JobId ?? "?", request.Start, request.EndCheck ?? "never checked", request.JobFinal,
                    request.FirstNotFoundAt));
            }
            switch (Outcome(request, windows))
            {
                case Ended.Succeeded: succeeded++; break;
                case Ended.Cancelled: cancelled++; break;
                case Ended.LostInCrash: lostInCrash++; break;
                case Ended.LostUnexplained: lostUnexplained++; break;
                case Ended.Timeout: timeouts++; break;
                case Ended.Lost: lost++; break;
                default:
                    var reason = FailureReason(request);
                    failed[reason] = failed.GetValueOrDefault(reason) + 1;
                    break;
            }
        }

        var unexplained = new List<UnexplainedServerError>();
        var explained = 0;
        foreach (var error in serverErrors)
        {
            if (windows.Any(w => w.ExplainsServerErrors && w.Overlaps(error.Start, error.End)))
            {
                explained++;
                continue;
            }
            // The sampler sees a full disk up to one period after it filled: a full-disk window reaches back that far.
            var diskFull = windows.Any(w => w.Kind is FaultKinds.DiskFiller or FaultKinds.DiskFullNatural
                                            && w.Overlaps(error.Start, error.End + ResourceSampler.PeriodSeconds));
            // A 503 during the injected full disk is the service reporting that fault as it should ("could not store");
            // a 500 is a failure the service did not handle, whatever the disk's state.
            if (diskFull && error.Status == 503)
            {
                explained++;
                continue;
            }
            unexplained.Add(new UnexplainedServerError(error.Start, error.End, error.Method, error.Path, error.Status, error.Message, diskFull));
        }

        var (corruptServed, sameLifetime) = CorruptServes(requests, corrupted, serviceLaunches);
        return new SoakAccountingResult(
            accepted,
            notAccepted,
            new OutcomeCounts(succeeded, failed, cancelled, lostInCrash, lostUnexplained, timeouts, lost),
            lostJobs,
            corruptServed,
            sameLifetime,
            unexplained,
            explained,
            requests.Count(r => r.Succeeded && r.Hit is not null));
    }

    /// <summary>
    /// Served images whose hit names a latent (tenant, entry, K) corrupted before the request started.
    /// The service keeps recently stored or read latents in memory (its near cache), so a hit in the
    /// same service lifetime as the damage may be that good copy, read before the damage: those are
    /// listed apart. A hit from a lifetime launched after the damage had no copy from before it: it
    /// could only come from the damaged bytes, so it is a corrupt serve. A corruption after the
    /// request started may or may not have been read, so it does not count.
    /// </summary>
    /// <param name="serviceLaunches">When each service lifetime was launched, in order.</param>
    public static (IReadOnlyList<CorruptServe> Served, IReadOnlyList<CorruptServe> SameLifetime) CorruptServes(
        IReadOnlyList<SoakRequest> requests, IReadOnlyList<CorruptedLatent> corrupted, IReadOnlyList<double> serviceLaunches)
    {
        var byLatent = corrupted.ToLookup(c => (c.Tenant, EntryId: c.EntryId.ToLowerInvariant(), c.K));
        var served = new List<CorruptServe>();
        var sameLifetime = new List<CorruptServe>();
        foreach (var request in requests)
        {
            if (!request.Succeeded || request.Hit is not { } hit) continue;
            var first = byLatent[(request.Tenant, hit.SourceId.ToLowerInvariant(), hit.K)]
                .Where(c => c.At < request.Start)
                .OrderBy(c => c.At)
                .FirstOrDefault();
            if (first is null) continue;
            var launched = serviceLaunches.Where(l => l <= request.Start).DefaultIfEmpty(0).Max();
            var serve = new CorruptServe(request.Index, request.Kind.ToString().ToLowerInvariant(), request.Tenant, hit.SourceId, hit.K,
                first.At, request.Start, first.How, launched);
            (first.At < launched ? served : sameLifetime).Add(serve);
        }
        return (served, sameLifetime);
    }

    private enum Ended { Succeeded, Failed, Cancelled, LostInCrash, LostUnexplained, Timeout, Lost }

    private static Ended Outcome(SoakRequest request, IReadOnlyList<FaultWindow> windows)
    {
        if (request.Kind == SoakRequestKind.Job)
        {
            var state = JobStates.IsFinal(request.JobFinal) ? request.JobFinal : request.EndCheck;
            return state switch
            {
                JobStates.Succeeded => Ended.Succeeded,
                JobStates.Failed => Ended.Failed,
                JobStates.Cancelled => Ended.Cancelled,
                _ => Ended.Lost,
            };
        }
        switch (request.Transport)
        {
            case TransportFailure.Lost:
                // A dropped connection is the crash's doing when a kill falls within the request's life.
                var end = request.End ?? request.Start;
                return windows.Any(w => w.ExplainsLostConnections && w.Overlaps(request.Start, end)) ? Ended.LostInCrash : Ended.LostUnexplained;
            case TransportFailure.Timeout:
                return Ended.Timeout;
        }
        return request.Succeeded ? Ended.Succeeded : Ended.Failed;
    }

    /// <summary>A job is lost when, after the final restart and drain, it answers 404 or has not ended (even if it was seen ending before).</summary>
    private static bool IsLost(SoakRequest request) => !JobStates.IsFinal(request.EndCheck);

    private static string NotAcceptedReason(SoakRequest request) => request switch
    {
        { Status: 429 } => "rejected_429",
        { Transport: TransportFailure.Refused } => "refused_while_down",
        { Transport: TransportFailure.Lost } => "connection_lost_before_202",
        { Transport: TransportFailure.Timeout } => "no_answer_before_202",
        { Status: { } status } => $"http_{status}",
        _ => "unknown",
    };

    private static string FailureReason(SoakRequest request)
    {
        var prefix = request.Kind == SoakRequestKind.Job ? "job failed" : $"HTTP {request.Status}";
        var message = request.Kind == SoakRequestKind.Job ? request.JobReason ?? request.EndCheckReason : request.Error;
        return $"{prefix}: {Normalize(message)}";
    }

    /// <summary>Ids and numbers out, so the same failure from many requests is one reason with a count.</summary>
    public static string Normalize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return "(no message)";
        var text = Ids().Replace(message.Trim(), "<id>");
        text = Numbers().Replace(text, "<n>");
        return text.Length <= 160 ? text : text[..160] + "...";
    }

    [GeneratedRegex(@"\b(job|img)_[0-9a-f]+\b|\b[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\b|\b[0-9a-f]{16,}\b", RegexOptions.IgnoreCase)]
    private static partial Regex Ids();

    [GeneratedRegex(@"\b\d+(\.\d+)?\b")]
    private static partial Regex Numbers();
}
