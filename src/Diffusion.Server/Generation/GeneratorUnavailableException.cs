namespace Diffusion.Server.Generation;

/// <summary>The generator cannot serve any request right now; the API answers 503.</summary>
public sealed class GeneratorUnavailableException(string message) : Exception(message);
