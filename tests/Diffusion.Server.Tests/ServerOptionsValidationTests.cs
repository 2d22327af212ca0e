using Diffusion.Server.Options;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Tests;

public sealed class ServerOptionsValidationTests
{
    private static ValidateOptionsResult Validate(Action<ServerOptions> change)
    {
        var options = new ServerOptions();
        change(options);
        return new ServerOptionsValidator().Validate(null, options);
    }

    [Fact]
    public void Defaults_are_valid() => Assert.True(Validate(_ => { }).Succeeded);

    [Theory]
    [InlineData("MaxImagesPerRequest", "0", "Server:MaxImagesPerRequest must be between 1 and 64; it is 0.")]
    [InlineData("MaxPromptLength", "-3", "Server:MaxPromptLength must be between 1 and 100000; it is -3.")]
    [InlineData("MaxSteps", "0", "Server:MaxSteps must be between 1 and 10000; it is 0.")]
    [InlineData("DefaultOutputReuse", "11", "Server:DefaultOutputReuse must be between 0 (off) and 10; it is 11.")]
    [InlineData("DefaultSteps", "200", "Server:DefaultSteps (200) must not exceed Server:MaxSteps (150).")]
    [InlineData("MaxQueueLength", "0", "Server:MaxQueueLength must be between 1 and 100000; it is 0.")]
    [InlineData("Workers", "100", "Server:Workers must be between 1 and 64; it is 100.")]
    [InlineData("ImageRetentionCount", "0", "Server:ImageRetentionCount must be between 1 and 10000000; it is 0.")]
    [InlineData("JobRetentionSeconds", "0", "Server:JobRetentionSeconds must be between 1 and 604800; it is 0.")]
    [InlineData("MaxGuidanceScale", "-1", "Server:MaxGuidanceScale must be between 0 and 100; it is -1.")]
    [InlineData("DefaultGuidanceScale", "40", "Server:DefaultGuidanceScale must be between 0 and Server:MaxGuidanceScale (30); it is 40.")]
    [InlineData("DataDirectory", " ", "Server:DataDirectory must name a directory; it is empty.")]
    [InlineData("SharedImagesDirectory", " ", "Server:SharedImagesDirectory ' ' must name a directory.")]
    [InlineData("IdempotencyRetentionSeconds", "0", "Server:IdempotencyRetentionSeconds must be between 1 and 604800; it is 0.")]
    public void Each_bad_setting_gets_a_message_naming_it_and_the_allowed_range(string setting, string value, string message)
    {
        var property = typeof(ServerOptions).GetProperty(setting)!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var result = Validate(o => property.SetValue(o, Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(result.Failed);
        Assert.Contains(message, result.Failures!);
    }

    [Fact]
    public void Every_failure_is_reported_not_just_the_first()
    {
        var result = Validate(o => { o.MaxQueueLength = 0; o.Workers = 0; o.MaxImagesPerRequest = 0; });
        Assert.Equal(3, result.Failures!.Count());
    }

    [Fact]
    public void The_host_refuses_to_start_with_bad_settings_and_says_why()
    {
        using var factory = new DiffusionServerFactory(new Dictionary<string, string?>
        {
            ["Server:MaxQueueLength"] = "0",
            ["Server:MaxSteps"] = "20000",
        });
        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains("Server:MaxQueueLength must be between 1 and 100000; it is 0.", error.Failures);
        Assert.Contains("Server:MaxSteps must be between 1 and 10000; it is 20000.", error.Failures);
    }
}
