using System.Net;
using System.Net.Http.Headers;
using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;
using Diffusion.Server.Generation;
using Diffusion.Server.Identity;
using Diffusion.Server.Jobs;
using Diffusion.Server.Running;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests.Identity;

/// <summary>
/// A tenant's default SLO class comes from its key: requests that name neither <c>slo</c> nor <c>deadline_ms</c> get
/// it; a request's own choice wins; a journaled job keeps its class across a restart.
/// </summary>
public sealed class TenantServiceLevelTests : IDisposable
{
    private const string ReplayKey = "replay-key-0123456789";
    private const string AppKey = "app-key-0123456789abc";

    private readonly DiffusionServerFactory factory = new(new Dictionary<string, string?>
    {
        ["Server:ApiKeys"] = $"replays:user:private:batch:{ReplayKey}; app:{AppKey}",
    });

    public void Dispose() => factory.Dispose();

    private HttpClient Client(string key)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_request_that_names_no_class_gets_its_tenants_and_its_own_choice_wins()
    {
        var replays = Client(ReplayKey);
        var app = Client(AppKey);
        Assert.Equal(HttpStatusCode.OK, (await replays.GenerateAsync(new { prompt = "replayed" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await replays.GenerateAsync(new { prompt = "in a hurry", slo = "interactive" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await replays.GenerateAsync(new { prompt = "due soon", deadline_ms = 900 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.GenerateAsync(new { prompt = "clicked" })).StatusCode);

        var specs = factory.Generator.Calls.ToArray();
        Assert.Equal([SloClass.Batch, SloClass.Interactive, SloClass.Interactive, SloClass.Interactive], specs.Select(s => s.Slo));
        Assert.Equal(TimeSpan.FromMilliseconds(900), specs[2].Deadline);

        var session = await ApiAssert.JsonAsync(await replays.GetAsync("/v1/session"));
        Assert.Equal("batch", session.GetProperty("slo").GetString());
        Assert.Equal("interactive", (await ApiAssert.JsonAsync(await app.GetAsync("/v1/session"))).GetProperty("slo").GetString());
    }

    [Fact]
    public void The_keys_file_and_clear_text_keys_carry_the_default_class_and_refuse_an_unknown_one()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("diffusion-keys-").FullName, ApiKeyFile.DefaultName);
        try
        {
            ApiKeyFile.Append(path, ApiKeyEntry.ForKey(ApiKeyEntry.NewKey(), new("replays"), ApiRole.User, CacheScope.Private, SloClass.Batch));
            ApiKeyFile.Append(path, ApiKeyEntry.ForKey(ApiKeyEntry.NewKey(), new("app"), ApiRole.User, CacheScope.Private));
            Assert.Equal([SloClass.Batch, SloClass.Interactive], ApiKeyFile.Load(path).Select(e => e.DefaultSlo));

            File.WriteAllText(path, File.ReadAllText(path).Replace("\"batch\"", "\"urgent\"", StringComparison.Ordinal));
            Assert.Contains("slo 'urgent'", Assert.Throws<InvalidDataException>(() => ApiKeyFile.Load(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }

        Assert.Equal(SloClass.Batch, Assert.Single(ApiKeyText.Parse($"replays:user:private:batch:{ReplayKey}")).DefaultSlo);
        Assert.Contains("slo 'soon'", Assert.Throws<InvalidDataException>(() => ApiKeyText.Parse($"a:user:private:soon:{ReplayKey}")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_journaled_plan_keeps_its_class_and_deadline_and_an_older_row_reads_as_interactive()
    {
        var spec = new ImageGenerationSpec("a cat", null, 64, 64, 20, 3, 7, "ddim", CacheMode.Auto, false, null)
        {
            Tenant = new TenantId("app"),
            Slo = SloClass.Interactive,
            Deadline = TimeSpan.FromMilliseconds(1500),
        };
        var plan = new GenerationPlan(spec, 1, ResponseFormat.Url, "test-model");
        var read = JournaledJob.ReadPlan(JournaledJob.WritePlan(plan)).Spec;
        Assert.Equal((SloClass.Interactive, TimeSpan.FromMilliseconds(1500)), (read.Slo, read.Deadline));

        var batch = JournaledJob.ReadPlan(JournaledJob.WritePlan(plan with { Spec = spec with { Slo = SloClass.Batch, Deadline = null } })).Spec;
        Assert.Equal((SloClass.Batch, (TimeSpan?)null), (batch.Slo, batch.Deadline));

        var older = JournaledJob.WritePlan(plan).Replace(",\"slo\":\"interactive\",\"deadline_ms\":1500", "", StringComparison.Ordinal);
        Assert.DoesNotContain("slo", older, StringComparison.Ordinal);
        Assert.Equal(SloClass.Interactive, JournaledJob.ReadPlan(older).Spec.Slo);
    }
}
