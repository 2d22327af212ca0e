using Diffusion.Cache.Adaptive;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Kernels.Faiss;

namespace Diffusion.Cache;

/// <summary>The approximate cache's settings; <see cref="Validate"/> runs at start-up and names every problem.</summary>
public sealed record ApproximateCacheOptions
{
    /// <summary>Similarity→K tables per retrieval mode (k-table.json next to the assembly by default).</summary>
    public KTableSet KTables { get; init; } = KTableSet.LoadDefault();

    /// <summary>Retrieval mode; null uses the one the calibration found better (<see cref="KTableSet.DefaultMode"/>).</summary>
    public RetrievalMode? Mode { get; init; }

    /// <summary>Cache points in steps of the reference run.</summary>
    public IReadOnlyList<int> CachePoints { get; init; } = [5, 10, 15, 20, 25];

    /// <summary>The step count the cache points and K tables refer to.</summary>
    public int ReferenceSteps { get; init; } = 50;

    /// <summary>Nearest neighbours examined per lookup; the best usable one (largest K, then similarity) wins.</summary>
    public int SearchCandidates { get; init; } = 8;

    /// <summary>A tenant whose entries every tenant's lookups also see ("public"); null keeps tenants fully apart.</summary>
    public TenantId? SharedTenant { get; init; }

    /// <summary>Where the FAISS indexes are saved (an optimisation: the store is the truth); null keeps them in memory only.</summary>
    public string? IndexDirectory { get; init; } = Path.Combine("data", "cache-index");

    /// <summary>Exact (Flat) search up to a size, HNSW above.</summary>
    public FaissIndexChooserOptions IndexChooser { get; init; } = new();

    /// <summary>
    /// A hit whose source prompt has at least this text–text cosine is a repeat of a cached prompt: its run
    /// is not stored again (the source already stands for it). Above 1 stores every run.
    /// </summary>
    public double DuplicateSimilarity { get; init; } = 0.995;

    /// <summary>
    /// Bytes of recently stored or read latents kept in memory: saves device reads on popular entries and keeps
    /// them servable while a shared (Redis) store is unreachable. 0 turns it off.
    /// </summary>
    public long NearCacheBytes { get; init; } = 16L << 20;

    /// <summary>Whether runs that started from a cached latent store their later latents (K above their start).</summary>
    public bool AdmitHitRuns { get; init; } = true;

    /// <summary>
    /// Whether a stored hit run's latents may serve a request only if the request is also similar enough to every
    /// ancestor for the steps that ancestor denoised (the prompt→prompt table applied to each). Without it, a chain
    /// of hits passes a first prompt's early latent on to prompts ever further from it: on the standard trace three
    /// in four hits came from a source that was itself a hit, and they lost more judge accuracy than the calibration's
    /// pairs (whose sources are runs from noise) at the same similarity.
    /// </summary>
    public bool CheckLineage { get; init; } = true;

    /// <summary>
    /// Store only the cache points the table in effect can select. A calibrated table that trusts K 25 exactly
    /// where it trusts 20, 15 and 10 never reads those three; storing them would take budget from other prompts.
    /// False stores every cache point (e.g. to recalibrate from a warm store).
    /// </summary>
    public bool StoreReachablePointsOnly { get; init; } = true;

    /// <summary>
    /// How far a hit for another seed leaves the source's path for the request's own seeded noise at its
    /// first step (<see cref="Policy.HitVariation"/>): 0 continues the source deterministically (every seed
    /// gets the source's picture), 1 replaces its noise with the seed's. Chosen by measurement: docs/variation.md.
    /// </summary>
    public float VariationStrength { get; init; } = Policy.HitVariation.DefaultStrength;

    /// <summary>
    /// Online K adaptation: the calibrated table keeps learning from the CLIP scores of the images its hits make
    /// (<see cref="AdaptiveKTable"/>). Null keeps the calibrated table fixed.
    /// </summary>
    public AdaptiveKOptions? AdaptiveK { get; init; }

    /// <summary>The retrieval mode in effect.</summary>
    public RetrievalMode EffectiveMode => Mode ?? KTables.DefaultMode;

    public CachePoints Points => new(CachePoints, ReferenceSteps);

    /// <summary>The cache points a run stores: <see cref="Points"/>, less those the table never selects when <see cref="StoreReachablePointsOnly"/>.</summary>
    public CachePoints StoredPoints
    {
        get
        {
            var points = Points;
            // an adaptive table may move any bucket to any cache point
            if (!StoreReachablePointsOnly || AdaptiveK is not null)
            {
                return points;
            }
            var reachable = points.ReferenceKs.Intersect(KTables.For(EffectiveMode).ReachableKs()).ToArray();
            return reachable.Length == 0 ? points : new CachePoints(reachable, ReferenceSteps);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public ApproximateCacheOptions Validate()
    {
        var problems = new List<string>();
        if (KTables is null)
        {
            problems.Add("KTables is missing; load k-table.json with KTableSet.Load or use KTableSet.Uncalibrated.");
        }
        if (ReferenceSteps < 2)
        {
            problems.Add($"ReferenceSteps is {ReferenceSteps}; it must be at least 2 (NIRVANA uses 50).");
        }
        if (CachePoints is null || CachePoints.Count == 0 || CachePoints.Any(k => k < 1 || k >= ReferenceSteps))
        {
            problems.Add($"CachePoints [{string.Join(", ", CachePoints ?? [])}] must be non-empty, each in [1, {ReferenceSteps - 1}].");
        }
        else if (KTables is not null)
        {
            var points = Points;
            foreach (var mode in RetrievalModes.All)
            {
                problems.AddRange(KTables.For(mode).Problems(points, $"k-table {mode.ToName()}"));
            }
        }
        if (SearchCandidates is < 1 or > 1024)
        {
            problems.Add($"SearchCandidates is {SearchCandidates}; it must be in [1, 1024].");
        }
        if (IndexDirectory is not null && string.IsNullOrWhiteSpace(IndexDirectory))
        {
            problems.Add("IndexDirectory is blank; give a directory or null to keep the indexes in memory.");
        }
        if (NearCacheBytes < 0)
        {
            problems.Add($"NearCacheBytes is {NearCacheBytes}; use 0 to turn the in-memory latent cache off.");
        }
        if (!float.IsFinite(VariationStrength) || VariationStrength is < 0f or > 1f)
        {
            problems.Add($"VariationStrength is {VariationStrength}; it must be in [0, 1] (0 gives every seed the source's picture).");
        }
        if (double.IsNaN(DuplicateSimilarity))
        {
            problems.Add("DuplicateSimilarity is NaN; use a cosine in (0, 1], or above 1 to store every run.");
        }
        try
        {
            IndexChooser?.Validate();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
        if (IndexChooser is null)
        {
            problems.Add("IndexChooser is missing.");
        }
        try
        {
            AdaptiveK?.Validate();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid approximate cache options: " + string.Join(" ", problems));
        }
        return this;
    }
}
