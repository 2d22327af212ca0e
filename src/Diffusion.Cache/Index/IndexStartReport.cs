namespace Diffusion.Cache.Index;

/// <summary>How one partition's index was obtained at start: adopted from its saved file, or rebuilt from the store (and why).</summary>
public sealed record PartitionStart(IndexPartition Partition, int Entries, bool Loaded, string Reason);

/// <summary>What the replica did when it attached to the store.</summary>
public sealed record IndexStartReport(IReadOnlyList<PartitionStart> Partitions, TimeSpan Elapsed)
{
    public int Loaded => Partitions.Count(p => p.Loaded);

    public int Rebuilt => Partitions.Count(p => !p.Loaded);

    public override string ToString() =>
        $"{Partitions.Count} partitions ({Loaded} loaded, {Rebuilt} rebuilt) in {Elapsed.TotalMilliseconds:0} ms";
}
