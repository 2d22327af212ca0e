namespace Diffusion.Engine.Memory;

/// <summary>Index of one physical block in a <see cref="BlockPool"/>.</summary>
public readonly record struct BlockId(int Value)
{
    public override string ToString() => $"block#{Value}";
}
