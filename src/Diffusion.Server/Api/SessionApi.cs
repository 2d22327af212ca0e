using Diffusion.Server.Identity;
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
        group.MapGet("", Describe).RequireAuthorization().WithName("GetSession").WithSummary("Who the caller is: tenant, role, cache scope.");
        group.MapDelete("", (Func<HttpContext, Task<NoContent>>)SignOutAsync).AllowAnonymous().WithName("DeleteSession").WithSummary("End the browser session.");
        return app;
    }

    public static async Task<Ok<SessionResponse>> SignInAsync(HttpContext context)
    {
        var caller = context.Caller();
        await context.SignInAsync(ServerIdentity.SessionScheme, caller.ToPrincipal(ServerIdentity.SessionScheme));
        return TypedResults.Ok(SessionResponse.For(caller));
    }

    public static Ok<SessionResponse> Describe(HttpContext context) => TypedResults.Ok(SessionResponse.For(context.Caller()));

    public static async Task<NoContent> SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(ServerIdentity.SessionScheme);
        return TypedResults.NoContent();
    }
}

/// <summary>The caller as the session sees it; <paramref name="Open"/> when the service has no keys.</summary>
public sealed record SessionResponse(string Tenant, string Role, string CacheScope, bool Open)
{
    public static SessionResponse For(Caller caller) =>
        new(caller.Tenant.Value, caller.Role.ToName(), caller.Scope.ToName(), caller.KeyId is null);
}
