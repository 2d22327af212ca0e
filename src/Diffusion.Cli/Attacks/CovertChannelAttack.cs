using System.Diagnostics;
using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Cli.Attacks;

public sealed record CovertResult(BinaryChannelTable Table, double SecondsPerSymbol)
{
    public double BitsPerSymbol => Table.MutualInformationBits();

    public double SymbolsPerHour => ChannelRate.SymbolsPerHour(SecondsPerSymbol);

    public double BitsPerHour => ChannelRate.BitsPerHour(BitsPerSymbol, SecondsPerSymbol);

    /// <summary>The rate from the information beyond what independent bits with the same margins would show.</summary>
    public double BitsPerHourAboveChance => ChannelRate.BitsPerHour(Table.MutualInformationAboveChance(), SecondsPerSymbol);
}

/// <summary>
/// The covert channel: sender and receiver agree on fresh prompts, one per symbol. For a 1 the sender sends the
/// symbol's prompt (cache refresh, so it is stored as a full run whatever the pool holds); for a 0 it sends nothing.
/// The receiver then probes the prompt and decodes 1 when the probe looks cached by someone else
/// (<see cref="HitRule"/>). The bits are balanced (half ones) and shuffled; the time per symbol is the wall time of
/// the whole exchange divided by the symbols.
/// </summary>
public static class CovertChannelAttack
{
    public static async Task<CovertResult> RunAsync(TenantClient sender, TenantClient receiver, HitRule rule, AttackPrompts prompts,
        int symbols, AttackLog log, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(symbols, 2);
        var bits = Enumerable.Range(0, symbols).Select(i => i < symbols / 2).ToArray();
        prompts.Random.Shuffle(bits);
        var texts = bits.Select(_ => prompts.NextPrompt()).ToArray();
        var table = BinaryChannelTable.Empty;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < symbols; i++)
        {
            if (bits[i])
            {
                log.Add(await sender.GenerateAsync(texts[i], prompts.NextSeed(), "refresh", cancellationToken).ConfigureAwait(false));
            }
            var probe = await receiver.GenerateAsync(texts[i], prompts.NextSeed(), "auto", cancellationToken).ConfigureAwait(false);
            log.Add(probe);
            table = table.Add(bits[i], rule.LooksCachedByOthers(probe));
            if ((i + 1) % 16 == 0 || i + 1 == symbols)
            {
                log.Progress($"covert channel: {i + 1}/{symbols} symbols, {table.Errors} errors");
            }
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new CovertResult(table, seconds / symbols);
    }
}
