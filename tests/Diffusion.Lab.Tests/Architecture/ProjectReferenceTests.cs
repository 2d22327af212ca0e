using System.Xml.Linq;

namespace Diffusion.Lab.Tests.Architecture;

/// <summary>
/// The dependency rule of docs/ARCHITECTURE.md, read from the project files: no product library references the
/// lab or the judge (<c>Diffusion.Evaluation</c>), directly or through another project. Only the CLI, the
/// composition root, and the tests may. Every project under src/, kernels/ and cache-store/ must be classified
/// here, so a new one cannot slip past the rule.
/// </summary>
public sealed class ProjectReferenceTests
{
    private static readonly string[] ProductLibraries =
    [
        "Diffusion.Inference", "Diffusion.Engine", "Diffusion.Cache", "Diffusion.Server", "Diffusion.Replay",
        "Diffusion.Kernels", "Diffusion.CacheStore",
    ];

    private static readonly string[] Measuring = ["Diffusion.Lab", "Diffusion.Evaluation"];

    private static readonly string[] CompositionRoots = ["Diffusion.Cli"];

    private static readonly Dictionary<string, string> Projects = FindProjects();

    [Fact]
    public void Every_project_outside_the_tests_is_classified()
    {
        Assert.Equal(ProductLibraries.Concat(Measuring).Concat(CompositionRoots).Order(), Projects.Keys.Order());
    }

    [Fact]
    public void No_product_library_references_the_lab_or_the_judge()
    {
        foreach (var library in ProductLibraries)
        {
            var reached = Closure(library);
            Assert.True(!reached.Overlaps(Measuring),
                $"{library} reaches {string.Join(", ", reached.Intersect(Measuring))} through its project references");
        }
    }

    [Fact]
    public void The_lab_drives_the_serving_engine_and_the_cache()
    {
        // The rule is one-way: the lab measures the product through the product's own code.
        Assert.Superset(new HashSet<string> { "Diffusion.Engine", "Diffusion.Cache", "Diffusion.Evaluation" }, Closure("Diffusion.Lab"));
    }

    [Fact]
    public void The_reader_sees_a_reference_when_there_is_one()
    {
        // Guards the test itself: a parser that found no references would pass the rule vacuously.
        Assert.Contains("Diffusion.Lab", Closure("Diffusion.Cli"));
        Assert.Contains("Diffusion.Kernels", Closure("Diffusion.Server"));
    }

    private static HashSet<string> Closure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>(References(project));
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next))
            {
                foreach (var reference in References(next))
                {
                    pending.Push(reference);
                }
            }
        }
        return seen;
    }

    private static IEnumerable<string> References(string project) =>
        XDocument.Load(Projects[project]).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));

    private static Dictionary<string, string> FindProjects() =>
        new[] { "src", "kernels", "cache-store" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, folder), "*.csproj", SearchOption.AllDirectories))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .ToDictionary(path => Path.GetFileNameWithoutExtension(path)!, path => path);
}
