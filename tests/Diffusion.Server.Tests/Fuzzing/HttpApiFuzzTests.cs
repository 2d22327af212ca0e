using System.Diagnostics;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Grammar- and mutation-based fuzzing of the whole HTTP API on a real Kestrel socket: FsCheck
/// generates requests for every route from a printed seed; each answer must keep
/// <see cref="ResponseInvariants"/>; afterwards the server still answers /healthz and generates.
/// DIFFUSION_FUZZ_CASES raises the count, DIFFUSION_FUZZ_SEED repeats a run.
/// </summary>
public sealed class HttpApiFuzzTests(ITestOutputHelper output)
{
    // FsCheck's size: how long generated lists (query pairs, random bytes) grow.
    private const int GeneratorSize = 40;
    private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Fuzzed_requests_on_every_route_get_no_5xx_and_well_formed_errors_and_the_server_keeps_working()
    {
        var settings = FuzzSettings.FromEnvironment();
        output.WriteLine($"seed {settings.Seed}, {settings.Cases} cases; repeat with: {settings.Reproduce}");

        await using var host = await FuzzHost.StartAsync();
        var wire = host.CreateWireClient(PerRequest);
        var ids = new KnownIds();
        var web = new WebFiles(FuzzHost.WebDirectory);
        Assert.True(web.Count > 0, "the web folder is empty");
        var invariants = new ResponseInvariants(new SuccessRules(ids, web));
        var summary = new FuzzSummary();

        // One real image and one real job first, so generated paths can aim at ids that exist.
        await AssertServesAsync(wire, ids);

        var cases = FuzzRequests.Any.Sample(settings.Cases, new Rnd(settings.Seed), GeneratorSize);
        var clock = Stopwatch.StartNew();
        for (var index = 0; index < cases.Length; index++)
        {
            var request = cases[index] with { Target = ids.Substitute(cases[index].Target, index) };
            var response = await wire.SendAsync(request, CancellationToken.None);
            summary.Record(request, response);
            if (invariants.Check(request, response) is { } violation)
                summary.Violations.Add($"case {index}: {violation}\n    sent: {request.Describe()}\n    got:  {response.Describe()}");
            Learn(ids, request, response);
        }
        clock.Stop();

        output.WriteLine($"{summary}run time {clock.Elapsed.TotalSeconds:0.0} s; ids issued: {ids.Images} images, {ids.Jobs} jobs");
        foreach (var violation in summary.Violations.Take(30)) output.WriteLine(violation);

        await AssertServesAsync(wire, ids);
        var errors = host.Logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message} {e.Exception?.GetType().Name}: {e.Exception?.Message}").ToList();
        foreach (var error in errors.Distinct().Take(10)) output.WriteLine("logged: " + error);

        Assert.Equal(settings.Cases, summary.Cases);
        Assert.True(summary.Violations.Count == 0,
            $"{summary.Violations.Count} invariant violations (seed {settings.Seed}); first: {summary.Violations.FirstOrDefault()}");
        Assert.True(errors.Count == 0, $"the server logged {errors.Count} errors; first: {errors.FirstOrDefault()}");
    }

    /// <summary>The server answers /healthz and generates an image from a valid request, and a job is accepted.</summary>
    private static async Task AssertServesAsync(WireClient wire, KnownIds ids)
    {
        var health = await wire.SendAsync(new FuzzRequest("check", "health", "GET", "/healthz", [], null, Expectation.AnySuccess), CancellationToken.None);
        Assert.True(health.Status == 200, "healthz: " + health.Describe());
        foreach (var (path, status) in new[] { ("/v1/images/generations", 200), ("/v1/jobs", 202) })
        {
            var request = new FuzzRequest("check", "valid", "POST", path, [("Content-Type", "application/json")],
                FuzzBody.Text("{\"prompt\":\"a large cat in the center on a blue background\",\"steps\":4,\"seed\":7}"), Expectation.AnySuccess);
            var response = await wire.SendAsync(request, CancellationToken.None);
            Assert.True(response.Status == status, $"{path}: {response.Describe()}");
            Learn(ids, request, response);
        }
    }

    /// <summary>Remembers the ids a success issued, so later cases can aim at them.</summary>
    private static void Learn(KnownIds ids, FuzzRequest request, WireResponse response)
    {
        if (request.Method != "POST" || response.Status is not (200 or 202) || response.MediaType != "application/json") return;
        using var document = JsonDocument.Parse(response.Body);
        var root = document.RootElement;
        if (response.Status == 202 && root.TryGetProperty("id", out var job)) ids.AddJob(job.GetString()!);
        if (response.Status == 200 && root.TryGetProperty("data", out var data))
        {
            foreach (var image in data.EnumerateArray()) ids.AddImage(image.GetProperty("id").GetString()!);
        }
    }
}
