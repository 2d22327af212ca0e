using System.Text;
using System.Text.Json;

namespace Diffusion.Cli.Attacks;

/// <summary>Every request of the bench as JSON lines (run, tenant, prompt, what the response showed, latency), to check any figure by hand.</summary>
public static class ProbeLog
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Write(AttackBenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        foreach (var mode in new[] { result.Undefended, result.Defended })
        {
            if (mode is null) continue;
            foreach (var probe in mode.Probes)
            {
                var line = JsonSerializer.SerializeToNode(probe, Json)!.AsObject();
                line.Insert(0, "defences", mode.Defences ? "on" : "off");
                text.Append(line.ToJsonString()).Append('\n');
            }
        }
        return text.ToString();
    }
}
