using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Policy;

/// <summary>
/// The contents of k-table.json: one similarity→K table per retrieval mode (text–text and text–image
/// cosines live on different scales), the mode the calibration found better, and what it was calibrated on.
/// </summary>
public sealed record KTableSet
{
    public required RetrievalMode DefaultMode { get; init; }
    public required SimilarityKTable PromptToPrompt { get; init; }
    public required SimilarityKTable PromptToImage { get; init; }

    /// <summary>The model the tables were measured on (see <see cref="ModelIdentity"/>), or null when uncalibrated.</summary>
    public string? CalibratedFor { get; init; }

    /// <summary>How the tables were made, one line.</summary>
    public string Note { get; init; } = "";

    public const string FileName = "k-table.json";

    /// <summary>NIRVANA's thresholds for both modes, prompt→prompt by default: the starting point before calibration.</summary>
    public static KTableSet Uncalibrated { get; } = new()
    {
        DefaultMode = RetrievalMode.PromptToPrompt,
        PromptToPrompt = SimilarityKTable.Nirvana,
        PromptToImage = SimilarityKTable.Nirvana,
        Note = "NIRVANA's thresholds, not calibrated for this model.",
    };

    public SimilarityKTable For(RetrievalMode mode) => mode switch
    {
        RetrievalMode.PromptToPrompt => PromptToPrompt,
        RetrievalMode.PromptToImage => PromptToImage,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown retrieval mode"),
    };

    /// <summary>The table shipped next to the assembly (a content file), or <see cref="Uncalibrated"/> when there is none.</summary>
    public static KTableSet LoadDefault()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(path) ? Load(path) : Uncalibrated;
    }

    public static KTableSet Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"k-table file {path} does not exist; `./run.sh calibrate cache` writes one.", path);
        }
        KTableFileModel? model;
        try
        {
            model = JsonSerializer.Deserialize<KTableFileModel>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid k-table: {e.Message}", e);
        }
        if (model is null || model.Modes is null)
        {
            throw new InvalidDataException($"{path}: a k-table needs \"default_mode\" and \"modes\".");
        }
        if (model.Format != 1)
        {
            throw new InvalidDataException($"{path}: k-table format {model.Format} is not supported (expected 1).");
        }
        if (!RetrievalModes.TryParse(model.DefaultMode, out var defaultMode))
        {
            throw new InvalidDataException($"{path}: default_mode '{model.DefaultMode}' is not prompt-to-prompt or prompt-to-image.");
        }
        SimilarityKTable Table(RetrievalMode mode) => model.Modes.TryGetValue(mode.ToName(), out var rows) && rows is not null
            ? new SimilarityKTable(rows)
            : throw new InvalidDataException($"{path}: modes.{mode.ToName()} is missing.");
        return new KTableSet
        {
            DefaultMode = defaultMode,
            PromptToPrompt = Table(RetrievalMode.PromptToPrompt),
            PromptToImage = Table(RetrievalMode.PromptToImage),
            CalibratedFor = model.CalibratedFor,
            Note = model.Note ?? "",
        };
    }

    /// <summary>Writes the file atomically (temp file + rename).</summary>
    public void Save(string path)
    {
        var model = new KTableFileModel
        {
            Format = 1,
            DefaultMode = DefaultMode.ToName(),
            CalibratedFor = CalibratedFor,
            Note = Note,
            Modes = RetrievalModes.All.ToDictionary(m => m.ToName(), m => (List<SimilarityThreshold>?)For(m).Thresholds.ToList()),
        };
        var text = JsonSerializer.Serialize(model, new JsonSerializerOptions { WriteIndented = true }) + "\n";
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));
    }

    private sealed class KTableFileModel
    {
        [JsonPropertyName("format")] public int Format { get; set; }
        [JsonPropertyName("default_mode")] public string? DefaultMode { get; set; }
        [JsonPropertyName("calibrated_for")] public string? CalibratedFor { get; set; }
        [JsonPropertyName("note")] public string? Note { get; set; }
        [JsonPropertyName("modes")] public Dictionary<string, List<SimilarityThreshold>?>? Modes { get; set; }
    }
}
