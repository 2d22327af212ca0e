namespace Diffusion.Cli.Attacks;

/// <summary>Every probe of one service run (for the latency figures) and the progress lines, labelled with the run.</summary>
public sealed class AttackLog(string label, TextWriter progress)
{
    private readonly List<Probe> probes = [];

    public IReadOnlyList<Probe> Probes => probes;

    public void Add(Probe probe) => probes.Add(probe);

    public void Progress(string line) => progress.WriteLine($"[{label}] {line}");
}
