using System.Security.Claims;
using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;
using Microsoft.AspNetCore.Http;

namespace Diffusion.Server.Identity;

/// <summary>
/// Who sent a request, as authentication established it: the tenant whose images, jobs and cache
/// entries it may see, its role, its cache scope and its requests' default SLO class. Never taken from the request body.
/// </summary>
public sealed record Caller(TenantId Tenant, ApiRole Role, CacheScope Scope, string? KeyId)
{
    public const string TenantClaim = "diffusion:tenant";
    public const string ScopeClaim = "diffusion:cache_scope";
    public const string SloClaim = "diffusion:slo";
    public const string KeyIdClaim = "diffusion:key_id";

    /// <summary>Every request when no keys are configured: the service is open on loopback, as one admin tenant.</summary>
    public static Caller Open { get; } = new(TenantId.Default, ApiRole.Admin, CacheScope.Private, null);

    /// <summary>The SLO class of this caller's requests that state neither <c>slo</c> nor <c>deadline_ms</c>.</summary>
    public SloClass DefaultSlo { get; init; } = SloClass.Interactive;

    public bool IsAdmin => Role == ApiRole.Admin;

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        List<Claim> claims =
        [
            new(TenantClaim, Tenant.Value),
            new(ClaimTypes.Role, Role.ToName()),
            new(ScopeClaim, Scope.ToName()),
            new(SloClaim, ServiceLevel.Name(DefaultSlo)),
        ];
        if (KeyId is not null)
        {
            claims.Add(new Claim(KeyIdClaim, KeyId));
            claims.Add(new Claim(ClaimTypes.Name, $"{Tenant}/{KeyId}"));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The caller of an authenticated request (endpoints run only after authorization established one).</summary>
    public static Caller From(ClaimsPrincipal user)
    {
        var tenant = user.FindFirst(TenantClaim)?.Value;
        if (tenant is null || !TenantId.TryParse(tenant, out var id))
            throw new InvalidOperationException("the request has no authenticated tenant; is the endpoint missing RequireAuthorization()?");
        ApiRoles.TryParseRole(user.FindFirst(ClaimTypes.Role)?.Value, out var role);
        ApiRoles.TryParseScope(user.FindFirst(ScopeClaim)?.Value, out var scope);
        ServiceLevel.TryParseClass(user.FindFirst(SloClaim)?.Value, out var slo);
        return new Caller(id, role, scope, user.FindFirst(KeyIdClaim)?.Value) { DefaultSlo = slo };
    }
}

public static class CallerHttpContextExtensions
{
    public static Caller Caller(this HttpContext context) => Identity.Caller.From(context.User);
}
