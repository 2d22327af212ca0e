namespace Diffusion.Server.Options;

/// <summary>
/// Settings of the web host, bound from the "Server" configuration section (appsettings, environment
/// variables such as <c>Server__MaxSteps</c>, and the <c>serve</c> command line) and validated at start-up
/// by <see cref="ServerOptionsValidator"/>.
/// </summary>
public sealed class ServerOptions
{
    public const string SectionName = "Server";

    /// <summary>Runtime data (gallery images, later cache files); created if missing.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Largest <c>n</c> (images per request).</summary>
    public int MaxImagesPerRequest { get; set; } = 4;

    /// <summary>Longest prompt or negative prompt, in characters (UTF-16 code units).</summary>
    public int MaxPromptLength { get; set; } = 1000;

    public int DefaultSteps { get; set; } = 50;

    /// <summary>Most denoising steps a request may ask for (the model's own limit also applies).</summary>
    public int MaxSteps { get; set; } = 150;

    /// <summary>Guidance when a request names none; null takes the model's own recommendation.</summary>
    public double? DefaultGuidanceScale { get; set; }

    /// <summary>Guidance scales above this are refused; 0 is always allowed (no guidance).</summary>
    public double MaxGuidanceScale { get; set; } = 30;

    /// <summary>
    /// Within-request output reuse for requests that send no <c>output_reuse</c>: 0 (off) calls the denoiser at every
    /// step; 0.2 is the calibrated threshold (docs/reuse-calibration.md: 83 % of calls saved at a small quality cost).
    /// </summary>
    public double DefaultOutputReuse { get; set; }

    /// <summary>Requests and jobs waiting to run; beyond this the API answers 429.</summary>
    public int MaxQueueLength { get; set; } = 32;

    /// <summary>Generations run at the same time (more only help when the generator batches).</summary>
    public int Workers { get; set; } = 1;

    /// <summary>Gallery images kept on disk; the oldest are deleted beyond this.</summary>
    public int ImageRetentionCount { get; set; } = 1000;

    /// <summary>How long a finished job stays readable at /v1/jobs/{id}.</summary>
    public int JobRetentionSeconds { get; set; } = 600;

    public TimeSpan JobRetention => TimeSpan.FromSeconds(JobRetentionSeconds);

    /// <summary>How long a request sent with an <c>Idempotency-Key</c> keeps its response for retries (default a day).</summary>
    public int IdempotencyRetentionSeconds { get; set; } = 24 * 3600;

    /// <summary>
    /// API keys in clear (<see cref="Identity.ApiKeyText.Format"/>), e.g. from the environment variable
    /// <c>DIFFUSION_API_KEYS</c>; hashed when read. Adds to the keys file. None anywhere: the API is open (loopback only).
    /// </summary>
    public string? ApiKeys { get; set; }

    /// <summary>The keys file (hashed keys); null reads <c>{DataDirectory}/api-keys.json</c> when it exists.</summary>
    public string? ApiKeysFile { get; set; }

    /// <summary>Generation requests per minute and tenant (POST of images and jobs) when keys are configured; 0 turns the limit off.</summary>
    public int RateLimitPerMinute { get; set; } = 600;

    /// <summary>
    /// Share of <see cref="MaxQueueLength"/> one tenant's waiting work may take when several tenants have keys,
    /// so one tenant cannot fill the queue for everyone.
    /// </summary>
    public double TenantQueueShare { get; set; } = 0.5;

    /// <summary>
    /// Refuse new work (429) when its estimated wait (work ahead × recent generation time ÷ workers) exceeds this
    /// many seconds, so accepted work keeps its latency under overload; 0 turns it off (only the queue length limits).
    /// </summary>
    public double MaxQueueWaitSeconds { get; set; }

    /// <summary>
    /// Defences of the cache's shared pool (tenants whose keys have cache scope shared): another tenant's entry serves only
    /// when corroborated by <see cref="SharedPoolCorroboration"/> other tenants, the response hides its source and exact
    /// similarity, and the hit's latency is padded to a miss's. Off only to measure the attacks (bench attacks).
    /// </summary>
    public bool SharedPoolDefences { get; set; } = true;

    /// <summary>Distinct tenants besides the requester that must have sent the same prompt before their entry serves it.</summary>
    public int SharedPoolCorroboration { get; set; } = 2;

    public string ApiKeysFilePath => string.IsNullOrEmpty(ApiKeysFile)
        ? Path.Combine(Path.GetFullPath(DataDirectory), Identity.ApiKeyFile.DefaultName)
        : Path.GetFullPath(ApiKeysFile);

    /// <summary>The SQLite journal of accepted jobs, which survive a crash.</summary>
    public string JobJournalPath => Path.Combine(Path.GetFullPath(DataDirectory), "jobs.db");

    /// <summary>
    /// A directory of images shared by several instances (the role an object store or EFS plays in production);
    /// null keeps them under <see cref="DataDirectory"/>, this instance's own.
    /// </summary>
    public string? SharedImagesDirectory { get; set; }

    public string ImagesDirectory => SharedImagesDirectory is { Length: > 0 } shared
        ? Path.GetFullPath(shared)
        : Path.Combine(Path.GetFullPath(DataDirectory), "images");

    /// <summary>Whether other instances write into <see cref="ImagesDirectory"/> too.</summary>
    public bool ImagesShared => SharedImagesDirectory is { Length: > 0 };
}
