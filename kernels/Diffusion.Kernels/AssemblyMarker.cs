namespace Diffusion.Kernels;
internal static class AssemblyMarker { }
