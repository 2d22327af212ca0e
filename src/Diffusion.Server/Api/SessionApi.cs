using Diffusion.Engine.Scheduling;
using Diffusion.Server.Identity;
using Diffusion.Server.Images;
using Diffusion.Server.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server.Api;

/// <summary>
/// Browser sessions: the gallery and dashboard trade an API key (sent once as a Bearer header) for an HttpOnly,
/// SameSite=Strict cookie, because images, downloads and event streams are fetched without custom headers.
/// The cookie carries the key's tenant and role, and lapses after 12 idle hours or a server restart.
/// </summary>
public static class SessionApi
{
    public static IEndpointRouteBuilder MapSessionApi(this IEndpointRouteBuilder app)
    {
        // The casts pick the route-handler overload (the result is written), not the plain RequestDelegate one.
        var group = app.MapGroup("/v1/session").WithTags("Service");
        group.MapPost("", (Func<HttpContext, Task<Ok<SessionResponse>>>)SignInAsync).RequireAuthorization().WithName("CreateSession")
            .WithSummary("Exchange the API key in the Authorization header for a browser session cookie.");
        group.MapGet("", (Func<HttpContext, Ok<SessionResponse>>)Describe).RequireAuthorization().WithName("GetSession")
            .WithSummary("Who the caller is (tenant, role, cache scope) and the tenant's usage: images kept, jobs not finished.");
        group.MapDelete("", (Func<HttpContext, Task<NoContent>>)SignOutAsync).AllowAnonymous().WithName("DeleteSession").WithSummary("End the browser session.");
        return app;
    }

    public static async Task<Ok<SessionResponse>> SignInAsync(HttpContext context)
    {
        var caller = context.Caller();
        await context.SignInAsync(ServerIdentity.SessionScheme, caller.ToPrincipal(ServerIdentity.SessionScheme));
        return TypedResults.Ok(Describe(caller, context.RequestServices));
    }

    /// <summary>The caller and its own tenant's usage: per-tenant figures that show nothing of other tenants.</summary>
    public static Ok<SessionResponse> Describe(HttpContext context) => TypedResults.Ok(Describe(context.Caller(), context.RequestServices));

    private static SessionResponse Describe(Caller caller, IServiceProvider services) =>
        SessionResponse.For(caller) with
        {
            Images = services.GetRequiredService<ImageStore>().CountFor(caller.Tenant),
            ActiveJobs = services.GetRequiredService<JobRegistry>().ActiveCountFor(caller.Tenant),
        };

    public static async Task<NoContent> SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(ServerIdentity.SessionScheme);
        return TypedResults.NoContent();
    }
}

/// <summary>The caller as the session sees it; <paramref name="Open"/> when the service has no keys.</summary>
public sealed record SessionResponse(string Tenant, string Role, string CacheScope, bool Open)
{
    /// <summary>The SLO class the caller's requests get when they name none.</summary>
    public string Slo { get; init; } = "interactive";

    public int Images { get; init; }
    public int ActiveJobs { get; init; }

    public static SessionResponse For(Caller caller) =>
        new(caller.Tenant.Value, caller.Role.ToName(), caller.Scope.ToName(), caller.KeyId is null) { Slo = ServiceLevel.Name(caller.DefaultSlo) };
}
