namespace Diffusion.Inference;
internal static class AssemblyMarker { }
