using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Diffusion.CacheStore.Tests;

/// <summary>Collects formatted log lines so tests can check what was reported.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Lines => [.. _lines];

    public IEnumerable<string> Messages(LogLevel atLeast) => _lines.Where(l => l.Level >= atLeast).Select(l => l.Message);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue((logLevel, formatter(state, exception)));
}
