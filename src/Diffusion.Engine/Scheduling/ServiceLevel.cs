namespace Diffusion.Engine.Scheduling;

/// <summary>
/// A request's service level as its caller states it: interactive (due after an explicit deadline, or after
/// <see cref="StandaloneMultiple"/> times its own work alone on the engine) or batch (no due time; it ages).
/// </summary>
public sealed record ServiceLevel(SloClass Class, DateTimeOffset ArrivedAt, TimeSpan? Deadline = null)
{
    /// <summary>An interactive request without a deadline is due after this many times its standalone time.</summary>
    public const double StandaloneMultiple = 2;

    /// <summary>When the request is due, given its standalone time; null for batch work.</summary>
    public DateTimeOffset? DueFor(TimeSpan standalone) =>
        Class == SloClass.Batch ? null : ArrivedAt + (Deadline ?? standalone * StandaloneMultiple);

    /// <summary>The engine's options for a part of the request that must end <paramref name="before"/> its due time.</summary>
    public RequestOptions Options(DateTimeOffset? due, TimeSpan before = default) =>
        new() { Class = Class, Due = due - before, DueCountedFrom = ArrivedAt };

    public static string Name(SloClass slo) => slo == SloClass.Batch ? "batch" : "interactive";

    /// <summary>Reads a class by its <see cref="Name"/>; false for anything else.</summary>
    public static bool TryParseClass(string? text, out SloClass slo)
    {
        slo = text == "batch" ? SloClass.Batch : SloClass.Interactive;
        return text is "batch" or "interactive";
    }
}
