namespace Diffusion.Cache;
internal static class AssemblyMarker { }
