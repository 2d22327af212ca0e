using Diffusion.Lab.Evaluation;

namespace Diffusion.Lab.Tests.Evaluation;

public sealed class StandardErrorsTests
{
    [Fact]
    public void A_difference_of_independent_estimates_adds_their_variances()
    {
        Assert.Equal(0.05, StandardErrors.OfDifference(0.03, 0.04), 12);
        Assert.Equal(0.04, StandardErrors.OfDifference(double.NaN, 0.04), 12);   // an unestimated error counts as 0
        Assert.Equal(0, StandardErrors.OfDifference(double.NaN, double.PositiveInfinity));
    }
}
