using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Server.Identity;

/// <summary>
/// Registers authentication (an API key in the Authorization header, or the browser session cookie that
/// <c>POST /v1/session</c> issues for a key, since pages cannot put headers on image and event-stream requests)
/// and the two authorization policies (any caller; an admin).
/// </summary>
public static class ServerIdentity
{
    /// <summary>Operational endpoints: the full metrics, and whatever changes the service for every tenant.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The default scheme: picks the API key or the session cookie per request.</summary>
    public const string Scheme = "Diffusion";

    public const string SessionScheme = "DiffusionSession";
    public const string SessionCookie = "diffusion_session";

    public static IServiceCollection AddServerIdentity(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ApiKeyRing(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Options.ServerOptions>>()));
        services.AddSingleton<SharedPoolPolicy>();
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or browser session", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count == 0 && context.Request.Cookies.ContainsKey(SessionCookie)
                    ? SessionScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(SessionScheme, options =>
            {
                options.Cookie.Name = SessionCookie;
                options.Cookie.HttpOnly = true;
                // Strict: another site's page cannot make the browser send it (no cross-site request forgery).
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(12);
                options.SlidingExpiration = true;
                // An API answers 401/403, it does not redirect to a login page.
                options.Events.OnRedirectToLogin = context => Status(context.Response, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => Status(context.Response, StatusCodes.Status403Forbidden);
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(ApiRole.Admin.ToName()));
        return services;
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}
