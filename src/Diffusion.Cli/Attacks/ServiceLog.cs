namespace Diffusion.Cli.Attacks;

/// <summary>
/// What the attacked service prints: every line to <c>serve.log</c> in its data directory, the last few kept in
/// memory for error messages. Lines that arrive after <see cref="Dispose"/> (the pipes drain late) are dropped.
/// </summary>
public sealed class ServiceLog(string path, int tailLines = 30) : IDisposable
{
    private readonly Lock gate = new();
    private readonly Queue<string> tail = new();
    private StreamWriter? file = new(path, append: true) { AutoFlush = true };

    public void Record(string? line)
    {
        if (line is null) return;
        lock (gate)
        {
            file?.WriteLine(line);
            tail.Enqueue(line);
            while (tail.Count > tailLines) tail.Dequeue();
        }
    }

    public string Tail()
    {
        lock (gate) return string.Join('\n', tail);
    }

    public void Dispose()
    {
        lock (gate)
        {
            file?.Dispose();
            file = null;
        }
    }
}
