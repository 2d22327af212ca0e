namespace Diffusion.Lab.Evaluation;

/// <summary>Standard errors of independent estimates, combined.</summary>
public static class StandardErrors
{
    /// <summary>
    /// The standard error of a difference of two independent estimates with standard errors <paramref name="a"/> and
    /// <paramref name="b"/>. An error that could not be estimated (NaN, from fewer than two samples) counts as 0, so
    /// the other one still bounds the difference.
    /// </summary>
    public static double OfDifference(double a, double b) => Math.Sqrt(Squared(a) + Squared(b));

    private static double Squared(double standardError) => double.IsFinite(standardError) ? standardError * standardError : 0;
}
