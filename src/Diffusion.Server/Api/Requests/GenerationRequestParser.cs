using Diffusion.Server.Generation;
using Diffusion.Server.Options;
using Diffusion.Server.Running;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Api.Requests;

/// <summary>Reads and validates a generation request body into a <see cref="GenerationPlan"/>.</summary>
public sealed class GenerationRequestParser(IOptions<ServerOptions> options, IImageGenerator generator)
{
    public async Task<Checked<GenerationPlan>> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var decoded = await GenerationRequestReader.ReadAsync(request, cancellationToken);
        if (!decoded.IsValid) return decoded.Error;
        return GenerationRequestValidator.Validate(decoded.Value, options.Value, generator.Model);
    }
}
