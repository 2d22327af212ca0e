namespace Diffusion.Evaluation;

/// <summary>Scores a judge verdict against the prompt it was made for, with the rules of
/// models/training/judging.py: the metrics a prompt's category contributes to, each true or false.</summary>
public sealed class PromptScoring
{
    private readonly WorldGeometry _world;
    private readonly float _relationMargin;

    public PromptScoring(WorldGeometry world, float relationMargin)
    {
        _world = world;
        _relationMargin = relationMargin;
    }

    public IReadOnlyDictionary<string, bool> Score(HeldOutPrompt prompt, JudgeVerdict verdict)
    {
        var result = new Dictionary<string, bool> { ["background"] = verdict.Background == prompt.Colour };
        var names = verdict.Objects.Select(o => o.Concept).ToList();
        switch (prompt.Category)
        {
            case "single_object":
                result["single_object"] = names.Contains(prompt.Objects[0]);
                break;
            case "counting":
                result["counting"] = names.Count(n => n == prompt.Objects[0]) == prompt.Count;
                break;
            case "two_objects":
                result["two_objects"] = prompt.Objects.All(names.Contains);
                break;
            case "position_relation":
                result["position"] = RelationHolds(prompt, verdict);
                break;
            case "position_absolute":
                result["position"] = PositionHolds(prompt, verdict);
                break;
            default:
                throw new InvalidDataException($"prompt {prompt.Index}: unknown category '{prompt.Category}'.");
        }
        return result;
    }

    private static FoundObject? Largest(JudgeVerdict verdict, string concept) =>
        verdict.Objects.Where(o => o.Concept == concept).MaxBy(o => o.Area);

    private bool RelationHolds(HeldOutPrompt prompt, JudgeVerdict verdict)
    {
        var a = Largest(verdict, prompt.Objects[0]);
        var b = Largest(verdict, prompt.Objects[1]);
        if (a is null || b is null || prompt.Relation is null)
        {
            return false;
        }
        var (dx, dy) = _world.Relations[prompt.Relation];
        return dx != 0
            ? (b.CenterX - a.CenterX) * dx < -_relationMargin
            : (b.CenterY - a.CenterY) * dy < -_relationMargin;
    }

    private bool PositionHolds(HeldOutPrompt prompt, JudgeVerdict verdict)
    {
        var a = Largest(verdict, prompt.Objects[0]);
        if (a is null || prompt.Position is null)
        {
            return false;
        }
        var (col, row) = _world.Positions[prompt.Position];
        var centre = prompt.Position == "center";
        var ok = true;
        if (col != 0 || centre)
        {
            ok &= Region(a.CenterX) == col;
        }
        if (row != 0 || centre)
        {
            ok &= Region(a.CenterY) == row;
        }
        return ok;
    }

    private int Region(float v)
    {
        var third = _world.ImageSize / 3f;
        return v < third ? -1 : v >= 2 * third ? 1 : 0;
    }
}
