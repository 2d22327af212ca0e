using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

/// <summary>The stealing score: the expected success of guessing uniformly among the candidates that looked cached.</summary>
public sealed class TieBreakingGuessTests
{
    [Fact]
    public void Nothing_looked_cached_scores_a_blind_guess()
    {
        Assert.Equal(1.0 / 8, TieBreakingGuess.ExpectedSuccess(3, [], 8));
        Assert.Equal(0.125, TieBreakingGuess.Chance(8));
    }

    [Fact]
    public void The_secret_alone_scores_one_and_ties_share_it()
    {
        Assert.Equal(1.0, TieBreakingGuess.ExpectedSuccess(5, [5], 8));
        Assert.Equal(1.0 / 3, TieBreakingGuess.ExpectedSuccess(5, [1, 5, 7], 8), 12);
        Assert.Equal(1.0 / 8, TieBreakingGuess.ExpectedSuccess(5, [0, 1, 2, 3, 4, 5, 6, 7], 8), 12);
    }

    [Fact]
    public void A_set_without_the_secret_scores_zero()
    {
        Assert.Equal(0.0, TieBreakingGuess.ExpectedSuccess(2, [4], 8));
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 1, 6 })]
    [InlineData(new[] { 0, 2, 3, 4, 5, 7 })]
    public void A_set_that_does_not_depend_on_the_secret_scores_chance_on_average(int[] looked)
    {
        // Whatever fixed set a signal-free attacker sees, averaging over a uniformly drawn secret gives exactly 1/N.
        const int n = 8;
        var mean = Enumerable.Range(0, n).Average(secret => TieBreakingGuess.ExpectedSuccess(secret, looked, n));
        Assert.Equal(1.0 / n, mean, 12);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TieBreakingGuess.ExpectedSuccess(8, [], 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => TieBreakingGuess.ExpectedSuccess(-1, [], 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => TieBreakingGuess.ExpectedSuccess(0, [9], 8));
        Assert.Throws<ArgumentException>(() => TieBreakingGuess.ExpectedSuccess(0, [1, 1], 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => TieBreakingGuess.ExpectedSuccess(0, [], 0));
    }
}
