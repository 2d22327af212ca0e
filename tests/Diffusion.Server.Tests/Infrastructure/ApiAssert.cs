using System.Net;
using System.Text.Json;

namespace Diffusion.Server.Tests.Infrastructure;

/// <summary>Checks shared by the API tests.</summary>
public static class ApiAssert
{
    /// <summary>
    /// Asserts an OpenAI-style error with the given status and returns its error object; the message
    /// must be non-empty and, when given, contain <paramref name="messageContains"/>.
    /// </summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? messageContains = null, string? param = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var error = document.RootElement.GetProperty("error").Clone();
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), body);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("type").GetString()), body);
        Assert.True(error.TryGetProperty("param", out _), body);
        Assert.True(error.TryGetProperty("code", out _), body);
        if (messageContains is not null)
            Assert.Contains(messageContains, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
        return error;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }
}
