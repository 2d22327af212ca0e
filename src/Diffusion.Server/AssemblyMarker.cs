namespace Diffusion.Server;
internal static class AssemblyMarker { }
