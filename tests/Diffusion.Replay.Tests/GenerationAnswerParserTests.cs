using Diffusion.Replay.Client;
using Diffusion.Replay.Records;

namespace Diffusion.Replay.Tests;

public sealed class GenerationAnswerParserTests
{
    [Fact]
    public void A_200_answer_gives_the_image_its_cache_report_and_timings()
    {
        const string body = """
            {"created":1,"data":[{"id":"img_1","url":"http://h/v1/images/img_1","revised_prompt":null,"seed":42,
              "cache":{"hit":true,"k":15,"similarity":0.91,"source_id":"entry_9"}}],
             "timings":{"queue":0.5,"denoise":1.25,"total":2}}
            """;
        var answer = GenerationAnswerParser.Parse(200, body, attempts: 2, retries: 1);
        Assert.Equal(RequestOutcome.Succeeded, answer.Outcome);
        Assert.Equal(200, answer.Status);
        Assert.Null(answer.Error);
        Assert.Equal((2, 1), (answer.Attempts, answer.Retries));
        Assert.Equal("img_1", answer.ImageId);
        Assert.Equal("http://h/v1/images/img_1", answer.ImageUrl);
        Assert.Equal(42, answer.ImageSeed);
        Assert.Equal(new CacheResult(true, 15, 0.91, "entry_9"), answer.Cache);
        Assert.Equal(new Dictionary<string, double> { ["queue"] = 0.5, ["denoise"] = 1.25, ["total"] = 2 }, answer.Timings);
    }

    [Fact]
    public void A_200_answer_without_a_cache_report_is_a_success_without_one()
    {
        var answer = GenerationAnswerParser.Parse(200, """{"data":[{"id":"img_2"}]}""", 1, 0);
        Assert.Equal(RequestOutcome.Succeeded, answer.Outcome);
        Assert.Null(answer.Cache);
        Assert.Null(answer.Timings);
    }

    [Fact]
    public void A_200_answer_without_an_image_is_a_failure()
    {
        var answer = GenerationAnswerParser.Parse(200, """{"data":[]}""", 1, 0);
        Assert.Equal(RequestOutcome.Failed, answer.Outcome);
        Assert.Contains("no image", answer.Error);
    }

    [Fact]
    public void An_error_answer_gives_the_openai_error_message()
    {
        var answer = GenerationAnswerParser.Parse(400,
            """{"error":{"message":"steps must be between 1 and 150; it is 0","type":"invalid_request_error","param":"steps","code":null}}""", 1, 0);
        Assert.Equal(RequestOutcome.Failed, answer.Outcome);
        Assert.Equal(400, answer.Status);
        Assert.Equal("steps must be between 1 and 150; it is 0", answer.Error);
    }

    [Fact]
    public void A_non_json_error_body_is_kept_as_clipped_text()
    {
        var answer = GenerationAnswerParser.Parse(502, "<html>" + new string('x', 1000) + "</html>", 1, 0);
        Assert.Equal(502, answer.Status);
        Assert.StartsWith("<html>xxx", answer.Error);
        Assert.True(answer.Error!.Length <= 303);
        Assert.Equal("HTTP 500", GenerationAnswerParser.Parse(500, "", 1, 0).Error);
    }
}
