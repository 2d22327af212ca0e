using System.Globalization;
using System.Text;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces;

/// <summary>
/// Writes a <see cref="TraceStatisticsReport"/> as a plain-text table beside the numbers derived
/// from the real logs, so a generated trace can be compared with them at a glance.
/// </summary>
public static class TraceReportFormatter
{
    public static string Format(string name, TraceStatisticsReport report, TraceParameters parameters)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{name}: {report.Records} records, {report.UserPrompts} user prompts, {report.DistinctPrompts} distinct");
        if (report.Kinds is { } kinds)
        {
            text.AppendLine("kinds: " + string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{TraceFileFormats.KindName(k.Key)} {k.Value}")));
        }

        text.AppendLine();
        text.AppendLine($"{"statistic",-40}{"this file",14}{"real logs",14}");
        Row(text, "repeat rate", report.RepeatRate, parameters.RepeatRate);
        Row(text, "zipf exponent, repeated prompts", report.ZipfExponent, parameters.ZipfExponent);
        Row(text, $"zipf exponent, prompts seen >= {report.HeadMinCount}x", report.HeadZipfExponent, parameters.HeadZipfExponent);
        Row(text, "share of repeats to those prompts", report.HeadShareOfRepeats, parameters.HeadShareOfRepeats);
        if (report.PopularPoolZipfExponent is not null)
        {
            Row(text, "zipf exponent, popular pool draws", report.PopularPoolZipfExponent, null);
        }

        Row(text, "edit fraction, same user's previous", report.EditFraction, parameters.EditFraction);
        // the measure used on the Midjourney log, which has no users; canonical emoji prompts are so
        // alike that nearly every one is a small edit of some earlier prompt, so it runs high on any emoji trace
        Row(text, "edit fraction, any earlier prompt", report.EditFractionAnyEarlier, parameters.EditFraction);
        text.AppendLine($"{"users",-40}{report.Users?.ToString(CultureInfo.InvariantCulture) ?? "-",14}{parameters.Users,14}");
        Row(text, "user activity zipf exponent", report.UserActivityExponent, parameters.UserActivityExponent);
        if (report.InterArrival is { } gaps)
        {
            Row(text, "inter-arrival median (s)", gaps.MedianSeconds, parameters.InterArrivalMedianSeconds);
            Row(text, "inter-arrival mean (s)", gaps.MeanSeconds, parameters.InterArrivalMeanSeconds);
            Row(text, "inter-arrival cv", gaps.Cv, parameters.InterArrivalCv);
            foreach (var (quantile, seconds) in gaps.QuantileSeconds)
            {
                var percent = int.Parse(quantile[1..], CultureInfo.InvariantCulture);
                var real = parameters.InterArrival().Quantile(percent / 100.0);
                Row(text, $"inter-arrival {quantile} (s)", seconds, real);
            }
        }

        if (report.PerUserInterArrival is { } perUser)
        {
            Row(text, "per-user inter-arrival median (s)", perUser.MedianSeconds, parameters.PerUserMedianSeconds);
            Row(text, "per-user inter-arrival cv", perUser.Cv, null);
        }

        if (report.EditDistances is { } distances)
        {
            text.AppendLine();
            text.AppendLine("edit word distances: " + string.Join(", ", distances.Select(d => $"{d.Key}: {d.Value}")));
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string label, double? value, double? real) =>
        text.AppendLine($"{label,-40}{Number(value),14}{Number(real),14}");

    private static string Number(double? value) => value switch
    {
        null => "-",
        >= 100 => value.Value.ToString("0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.0000", CultureInfo.InvariantCulture),
    };
}
