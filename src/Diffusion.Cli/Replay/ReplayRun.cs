using Diffusion.Cli.Commands;
using Diffusion.Replay;
using Diffusion.Replay.Traces;
using Diffusion.Server.Generation;
using Microsoft.Extensions.Options;

namespace Diffusion.Cli.Replay;

/// <summary>
/// What <c>replay</c> does around a <see cref="ReplaySession"/>: checks the options, reads the
/// trace, starts the in-process service when asked, and turns every expected failure into one
/// clear message and an exit code (<see cref="ReplayExitCodes"/>).
/// </summary>
public static class ReplayRun
{
    public static async Task<int> RunAsync(string tracePath, ReplayOptions options, InProcessServiceOptions? inProcess,
        TextWriter output, TextWriter error, CancellationToken outerStop)
    {
        if (options.Validate() is { Count: > 0 } problems)
        {
            foreach (var problem in problems) await error.WriteLineAsync($"replay: {problem}");
            return ReplayExitCodes.BadInput;
        }

        IReadOnlyList<TraceRecord> trace;
        try
        {
            trace = await TraceFileReader.ReadAsync(tracePath, outerStop);
        }
        catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or InvalidDataException)
        {
            await error.WriteLineAsync($"replay: cannot read the trace: {ex.Message}");
            return ReplayExitCodes.BadInput;
        }
        if (trace.Count == 0)
        {
            await error.WriteLineAsync($"replay: the trace '{tracePath}' holds no requests");
            return ReplayExitCodes.BadInput;
        }

        using var signals = new StopSignals(outerStop, () => error.WriteLine(
            $"\nreplay: stopping: no new requests; up to {options.DrainTimeout.TotalSeconds:0.#} s for those in flight (signal again to quit at once)"));
        var stop = signals.Token;
        InProcessService? service = null;
        try
        {
            if (inProcess is not null)
            {
                try
                {
                    service = await InProcessService.StartAsync(inProcess, stop);
                }
                catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                               or InvalidOperationException or ArgumentException or IOException
                                               or GeneratorUnavailableException)
                {
                    await error.WriteLineAsync($"replay: cannot start the in-process service: {ex.Message}");
                    return ReplayExitCodes.ServerUnavailable;
                }
                catch (OptionsValidationException ex)
                {
                    await error.WriteLineAsync($"replay: invalid settings of the in-process service: {string.Join("; ", ex.Failures)}");
                    return ReplayExitCodes.ServerUnavailable;
                }
                options = options with { Server = service.Address };
                await error.WriteLineAsync($"replay: in-process service at {service.Address}");
            }

            using var http = CreateHttpClient(options.Server, options.ApiKey);
            var console = new ReplayConsole(output, error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
            try
            {
                var report = await new ReplaySession(options, http, console, TimeProvider.System).RunAsync(tracePath, trace, inProcess is not null, stop);
                if (!report.Summary.Acceptance.Passed)
                    await error.WriteLineAsync("replay: ACCEPTANCE FAILED: " + string.Join("; ", report.Summary.Acceptance.Failures));
                return report.ExitCode;
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"replay: cannot reach the server at {options.Server}: {ex.Message}");
                return ReplayExitCodes.ServerUnavailable;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                await error.WriteLineAsync($"replay: the server at {options.Server} did not answer");
                return ReplayExitCodes.ServerUnavailable;
            }
            catch (IOException ex)
            {
                await error.WriteLineAsync($"replay: {ex.Message}");
                return ReplayExitCodes.BadInput;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await error.WriteLineAsync("replay: stopped before any request was sent");
            return ReplayExitCodes.Interrupted;
        }
        finally
        {
            if (service is not null) await service.DisposeAsync();
        }
    }

    private static HttpClient CreateHttpClient(Uri server, string? apiKey)
    {
        // Relative request paths resolve under the base address only when it ends in '/'.
        var text = server.ToString();
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var http = new HttpClient(handler)
        {
            BaseAddress = new Uri(text.EndsWith('/') ? text : text + "/"),
            // Each request has its own timeout (--request-timeout); a generation may wait long in the queue.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }
}
