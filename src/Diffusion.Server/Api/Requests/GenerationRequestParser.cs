using Diffusion.Server.Identity;
using Diffusion.Server.Generation;
using Diffusion.Server.Options;
using Diffusion.Server.Running;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Api.Requests;

/// <summary>Reads and validates a generation request body into a <see cref="GenerationPlan"/>.</summary>
public sealed class GenerationRequestParser(IOptions<ServerOptions> options, IImageGenerator generator)
{
    /// <summary>The plan of <paramref name="caller"/>'s request: its tenant and cache scope come from the caller, never the body, and so does its SLO class when the body names none.</summary>
    public async Task<Checked<GenerationPlan>> ParseAsync(HttpRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var decoded = await GenerationRequestReader.ReadAsync(request, cancellationToken);
        if (!decoded.IsValid) return decoded.Error;
        var plan = GenerationRequestValidator.Validate(decoded.Value, options.Value, generator.Model, caller.DefaultSlo);
        if (!plan.IsValid) return plan;
        return Checked<GenerationPlan>.Ok(plan.Value with { Spec = plan.Value.Spec with { Tenant = caller.Tenant, CacheScope = caller.Scope } });
    }
}
