namespace Diffusion.CacheStore;
internal static class AssemblyMarker { }
