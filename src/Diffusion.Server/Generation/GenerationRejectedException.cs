namespace Diffusion.Server.Generation;

/// <summary>
/// The generator refuses a request the web host could not judge (for example a prompt that is too
/// long in tokens); the API answers 400 naming <see cref="Param"/>.
/// </summary>
public sealed class GenerationRejectedException(string param, string message) : Exception(message)
{
    public string Param { get; } = param;
}
