using System.Text.Json;

namespace Diffusion.Evaluation;

/// <summary>The emoji world's named positions (column,row in -1..1) and relations (dx,dy), read from
/// models/world.json so the C# scoring uses the same tables as the training code.</summary>
public sealed class WorldGeometry
{
    private WorldGeometry(int imageSize, Dictionary<string, (int Col, int Row)> positions,
        Dictionary<string, (int Dx, int Dy)> relations)
    {
        ImageSize = imageSize;
        Positions = positions;
        Relations = relations;
    }

    public int ImageSize { get; }
    public IReadOnlyDictionary<string, (int Col, int Row)> Positions { get; }
    public IReadOnlyDictionary<string, (int Dx, int Dy)> Relations { get; }

    public static WorldGeometry Load(string worldJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(worldJsonPath));
        var root = doc.RootElement;
        static (int, int) Pair(JsonElement e) => (e[0].GetInt32(), e[1].GetInt32());
        var positions = root.GetProperty("positions").EnumerateObject().ToDictionary(p => p.Name, p => Pair(p.Value));
        var relations = root.GetProperty("relations").EnumerateObject().ToDictionary(p => p.Name, p => Pair(p.Value));
        return new WorldGeometry(root.GetProperty("image_size").GetInt32(), positions, relations);
    }
}
