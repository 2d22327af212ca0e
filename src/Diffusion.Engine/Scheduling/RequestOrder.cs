namespace Diffusion.Engine.Scheduling;

/// <summary>Serving order: higher priority first, then first come first served.</summary>
internal sealed class RequestOrder : IComparer<EngineRequest>
{
    public static readonly RequestOrder Instance = new();

    public int Compare(EngineRequest? x, EngineRequest? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int byPriority = y.Priority.CompareTo(x.Priority);
        return byPriority != 0 ? byPriority : x.ArrivalOrder.CompareTo(y.ArrivalOrder);
    }
}

internal static class RequestOrderExtensions
{
    /// <summary>The requests in serving order, as a snapshot safe to iterate while the source list changes.</summary>
    public static List<T> InServingOrder<T>(this IEnumerable<T> requests)
        where T : EngineRequest =>
        requests.OrderBy(r => (EngineRequest)r, RequestOrder.Instance).ToList();
}
