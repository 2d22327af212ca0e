using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Traces;

public sealed class TraceFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("trace-files-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IReadOnlyList<TraceRequest> SmallTrace() =>
        new TraceGenerator(TestWorld.World, TraceParameters.Default, new TraceOptions { Count = 300, Seed = 77, TimeScale = 0.37 }).Generate();

    [Theory]
    [InlineData("trace.tsv")]
    [InlineData("trace.jsonl")]
    public async Task A_written_trace_reads_back_unchanged(string name)
    {
        var requests = SmallTrace();
        var path = Path.Combine(_directory, "sub", name);
        await TraceFileWriter.WriteAsync(path, requests, CancellationToken.None);
        var records = await TraceFileReader.ReadAsync(path, CancellationToken.None);

        var expected = requests.Select(TraceRecord.From).ToList();
        if (name.EndsWith(".tsv", StringComparison.Ordinal))
        {
            expected = expected.Select(r => r with { Kind = null }).ToList(); // TSV has no kind column
        }

        Assert.Equal(expected, records);
        Assert.Equal([name], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void File_lines_have_the_documented_shape()
    {
        var request = new TraceRequest(3, TimeSpan.FromMilliseconds(12_345), "user-07", "a cat in the center on a red background", 991, TraceRequestKind.PopularRepeat);
        Assert.Equal("a cat in the center on a red background\t12.345\tuser-07\t991", TraceFileWriter.TsvLine(request));
        Assert.Equal(
            "{\"prompt\":\"a cat in the center on a red background\",\"timestamp\":12.345,\"user\":\"user-07\",\"seed\":991,\"kind\":\"popular_repeat\"}",
            TraceFileWriter.JsonLine(request));
    }

    [Fact]
    public async Task A_real_log_reads_with_the_channel_as_user()
    {
        var path = Path.Combine(_directory, "log.tsv");
        await File.WriteAllLinesAsync(path,
        [
            "prompt\ttimestamp\tseed\twidth\timage_uri",
            "inmates with cow heads\t1660191527\t2841160359\t512\thttps://cdn.discordapp.com/attachments/1005626976016531567/100/x.png",
            "a lone tree\t\t5\t512\thttps://cdn.discordapp.com/attachments/999/100/y.png",
        ]);
        var records = await TraceFileReader.ReadAsync(path, CancellationToken.None);
        Assert.Equal(new TraceRecord("inmates with cow heads", 1660191527, "1005626976016531567", 2841160359, null), records[0]);
        Assert.Equal(new TraceRecord("a lone tree", null, "999", 5, null), records[1]);
    }

    [Fact]
    public async Task A_headerless_tsv_is_prompt_timestamp_user_seed()
    {
        var path = Path.Combine(_directory, "bare.tsv");
        await File.WriteAllLinesAsync(path, ["a red cat on a mat\t1.5\tu1\t9"]);
        var records = await TraceFileReader.ReadAsync(path, CancellationToken.None);
        Assert.Equal([new TraceRecord("a red cat on a mat", 1.5, "u1", 9, null)], records);
    }

    [Fact]
    public async Task Bad_lines_are_reported_with_their_line_number()
    {
        var path = Path.Combine(_directory, "bad.jsonl");
        await File.WriteAllLinesAsync(path, ["{\"prompt\":\"a cat\",\"timestamp\":1}", "{\"prompt\":\"a dog\",\"kind\":\"remix\"}"]);
        var e = await Assert.ThrowsAsync<FormatException>(() => TraceFileReader.ReadAsync(path, CancellationToken.None));
        Assert.Contains("bad.jsonl:2", e.Message);
        Assert.Contains("remix", e.Message);

        var tsv = Path.Combine(_directory, "bad.tsv");
        await File.WriteAllLinesAsync(tsv, ["prompt\ttimestamp", "a cat\tsoon"]);
        var t = await Assert.ThrowsAsync<FormatException>(() => TraceFileReader.ReadAsync(tsv, CancellationToken.None));
        Assert.Contains("bad.tsv:2", t.Message);
    }

    [Fact]
    public async Task Unknown_extensions_and_missing_files_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TraceFileWriter.WriteAsync(Path.Combine(_directory, "t.csv"), SmallTrace(), CancellationToken.None));
        await Assert.ThrowsAsync<FileNotFoundException>(() => TraceFileReader.ReadAsync(Path.Combine(_directory, "none.jsonl"), CancellationToken.None));
    }
}
