using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests.Identity;

/// <summary>
/// The job journal across a kill -9 of the real <c>serve</c> process: every job id that was answered 202 before the
/// crash answers after the restart, and the unfinished ones run to the end. Nothing answers 404.
/// </summary>
public sealed class JobJournalCrashTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("diffusion-journal-").FullName;

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    [Fact]
    public async Task Every_accepted_job_answers_after_a_kill_minus_9_and_the_unfinished_ones_finish()
    {
        var port = ServeCommandTests.FreeLoopbackPort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };

        var ids = new List<string>();
        var unfinishedAtKill = 0;
        using (var first = Start(port))
        {
            try
            {
                await ServeCommandTests.WaitForHealthAsync(http, first);
                for (var i = 0; i < 10; i++)
                {
                    var created = await ApiAssert.JsonAsync(
                        await http.PostAsync("/v1/jobs", Http.Json(new { prompt = $"a fox number {i}", steps = 150, seed = i })), HttpStatusCode.Accepted);
                    ids.Add(created.GetProperty("id").GetString()!);
                }
                foreach (var id in ids)
                {
                    var state = await ApiAssert.JsonAsync(await http.GetAsync($"/v1/jobs/{id}"));
                    if (state.GetProperty("status").GetString() is "queued" or "running") unfinishedAtKill++;
                }
            }
            finally
            {
                first.Kill(entireProcessTree: true);   // SIGKILL: no shutdown code runs
                await first.WaitForExitAsync();
            }
        }
        Assert.True(unfinishedAtKill > 0, "every job had finished before the kill; the test needs longer jobs");

        using var second = Start(port);
        try
        {
            await ServeCommandTests.WaitForHealthAsync(http, second);
            foreach (var id in ids)
            {
                JsonElement state = default;
                await Eventually.TrueAsync(async () =>
                {
                    var response = await http.GetAsync($"/v1/jobs/{id}");
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"job {id} answered {(int)response.StatusCode} after the restart");
                    state = await ApiAssert.JsonAsync(response);
                    return state.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled";
                }, $"job {id} did not finish after the restart", TimeSpan.FromSeconds(90));
                Assert.Equal("succeeded", state.GetProperty("status").GetString());
                var png = Convert.FromBase64String(state.GetProperty("result").GetProperty("b64_json").GetString()!);
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            }
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
    }

    private Process Start(int port)
    {
        var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "diffusion.dll"), "serve", "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--data-dir", dataDirectory, "--models", Fixtures.ConformanceModel, "--workers", "1", "--no-cache",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        })!;
        // Drained so a chatty server never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }
}
