namespace Diffusion.Engine;
internal static class AssemblyMarker { }
