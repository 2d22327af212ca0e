using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Diffusion.Server.Identity;

/// <summary>
/// ASP.NET Core authentication scheme for <c>Authorization: Bearer &lt;key&gt;</c>. With no keys configured every
/// request is <see cref="Caller.Open"/>; otherwise a missing header is "not authenticated" (401 at authorization)
/// and an unknown key fails (401). The challenge names the scheme, as RFC 6750 asks.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRing keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.IsOpen) return Task.FromResult(Success(Caller.Open));

        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header must be 'Bearer <API key>'"));

        var entry = keys.Find(header[BearerPrefix.Length..].Trim());
        return Task.FromResult(entry is null
            ? AuthenticateResult.Fail("the API key is not valid")
            : Success(new Caller(entry.Tenant, entry.Role, entry.Scope, entry.Id) { DefaultSlo = entry.DefaultSlo }));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer realm=\"diffusion\"";
        return Task.CompletedTask;
    }

    private AuthenticateResult Success(Caller caller) =>
        AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName));
}
