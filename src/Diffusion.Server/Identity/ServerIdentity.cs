using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Server.Identity;

/// <summary>Registers API-key authentication and the two authorization policies (any key; an admin key).</summary>
public static class ServerIdentity
{
    /// <summary>Operational endpoints: the full metrics, and whatever changes the service for every tenant.</summary>
    public const string AdminPolicy = "admin";

    public static IServiceCollection AddServerIdentity(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ApiKeyRing(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Options.ServerOptions>>()));
        services.AddSingleton<SharedPoolPolicy>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(ApiRole.Admin.ToName()));
        return services;
    }
}
