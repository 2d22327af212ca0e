namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>
/// Scores one prompt-stealing trial as the expected success of an attacker who guesses uniformly among the
/// candidates that looked cached: 1/|S| when the secret is in S, 0 when it is not, and 1/N when S is empty (no
/// signal: a blind guess). Scoring the expectation instead of drawing the guess keeps a signal-free attacker at
/// exactly 1/N, with no sampling noise added on top of the trials'.
/// </summary>
public static class TieBreakingGuess
{
    /// <param name="secret">Index of the candidate the victim sent.</param>
    /// <param name="lookedCached">Indexes of the candidates whose probes looked like hits on another tenant's entry.</param>
    /// <param name="candidates">N, the number of candidates probed.</param>
    public static double ExpectedSuccess(int secret, IReadOnlyCollection<int> lookedCached, int candidates)
    {
        ArgumentNullException.ThrowIfNull(lookedCached);
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(secret);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(secret, candidates);
        var set = lookedCached.ToHashSet();
        if (set.Count != lookedCached.Count)
        {
            throw new ArgumentException("a candidate is listed twice.", nameof(lookedCached));
        }
        if (set.Any(i => i < 0 || i >= candidates))
        {
            throw new ArgumentOutOfRangeException(nameof(lookedCached), $"candidate indexes must be in [0, {candidates}).");
        }
        if (set.Count == 0)
        {
            return 1.0 / candidates;
        }
        return set.Contains(secret) ? 1.0 / set.Count : 0.0;
    }

    /// <summary>What a blind guess scores: 1/N.</summary>
    public static double Chance(int candidates)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        return 1.0 / candidates;
    }
}
