using System.Globalization;
using System.Threading.RateLimiting;
using Diffusion.Server.Identity;
using Diffusion.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Api;

/// <summary>
/// ASP.NET Core rate limiting of generation requests when keys are configured, one token bucket per tenant (<see cref="ServerOptions.RateLimitPerMinute"/>):
/// a burst up to a tenth of a minute's allowance, refilled every second. A refusal is a 429 with Retry-After.
/// </summary>
public static class GenerationRateLimit
{
    public const string PolicyName = "generation";

    public static IServiceCollection AddGenerationRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PolicyName, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.RateLimitPerMinute;
                // The open service (no keys) has one local user: nobody to share with, nothing to limit.
                if (perMinute <= 0 || context.RequestServices.GetRequiredService<ApiKeyRing>().IsOpen) return RateLimitPartition.GetNoLimiter("off");
                var tenant = context.Caller().Tenant.Value;
                return RateLimitPartition.GetTokenBucketLimiter(tenant, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, perMinute / 10),
                    TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(perMinute / 60.0)),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, 60.0 / perMinute * Math.Ceiling(perMinute / 60.0))),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var response = context.HttpContext.Response;
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                var perMinute = context.HttpContext.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.RateLimitPerMinute;
                await response.WriteAsJsonAsync(ApiError.RateLimited(perMinute).ToResponse(), ApiJson.Options, cancellationToken);
            };
        });
        return services;
    }
}
