namespace Diffusion.Evaluation.Tests;

public class ComponentLabelerTests
{
    private static readonly string[] Classes = ["cat", "dog", "sun"];

    private static int[] Map(int size, params (int X0, int Y0, int W, int H, int Class)[] boxes)
    {
        var labels = new int[size * size];
        foreach (var (x0, y0, w, h, c) in boxes)
        {
            for (var y = y0; y < y0 + h; y++)
            {
                for (var x = x0; x < x0 + w; x++)
                {
                    labels[y * size + x] = c;
                }
            }
        }
        return labels;
    }

    [Fact]
    public void Separate_blobs_are_separate_objects_with_their_centroids()
    {
        var labels = Map(64, (2, 2, 6, 6, 1), (40, 50, 4, 5, 2));
        var found = ComponentLabeler.Find(labels, 64, 64, minArea: 12, Classes);
        Assert.Equal(2, found.Count);
        var cat = Assert.Single(found, f => f.Concept == "cat");
        Assert.Equal(36, cat.Area);
        Assert.Equal(4.5f, cat.CenterX, 3);
        Assert.Equal(4.5f, cat.CenterY, 3);
        var dog = Assert.Single(found, f => f.Concept == "dog");
        Assert.Equal(41.5f, dog.CenterX, 3);
        Assert.Equal(52f, dog.CenterY, 3);
    }

    [Fact]
    public void Specks_below_the_minimum_area_are_noise()
    {
        var labels = Map(64, (10, 10, 3, 3, 1), (30, 30, 5, 5, 3));
        var found = ComponentLabeler.Find(labels, 64, 64, minArea: 12, Classes);
        Assert.Equal("sun", Assert.Single(found).Concept);
    }

    [Fact]
    public void Diagonal_neighbours_join_and_the_majority_class_wins()
    {
        var labels = Map(64, (0, 0, 5, 5, 2), (5, 5, 3, 3, 1));   // touching only at a corner
        var found = ComponentLabeler.Find(labels, 64, 64, minArea: 1, Classes);
        var only = Assert.Single(found);
        Assert.Equal("dog", only.Concept);
        Assert.Equal(34, only.Area);
    }

    [Fact]
    public void An_empty_map_finds_nothing()
    {
        Assert.Empty(ComponentLabeler.Find(new int[64 * 64], 64, 64, 12, Classes));
    }
}
