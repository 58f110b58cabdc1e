using Jiangwanli.Cli.Bench;
using Spectre.Console;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class BenchSessionTests
{
    private static BenchOptions Options(string? url, bool bare, string? events = null) => new()
    {
        Url = url,
        Bare = bare,
        EventsFile = events,
        Load = new LoadRunSettings { Connections = 4, Duration = TimeSpan.FromSeconds(10), Warmup = TimeSpan.FromSeconds(2) },
    };

    private static (BenchSession Session, StringWriter Errors) Session(BenchOptions options)
    {
        var errors = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()) });
        return (new BenchSession(options, console, new MemoryStream(), errors), errors);
    }

    [Fact]
    public void HardCap_BothTargets_BoundsEachRun()
    {
        var (one, _) = Session(Options("http://127.0.0.1:8080", bare: false));
        var (two, _) = Session(Options("http://127.0.0.1:8080", bare: true));
        Assert.Equal(TimeSpan.FromSeconds(2 + 10 + 30 + 120), one.HardCap);
        Assert.Equal(one.HardCap * 2, two.HardCap);
    }

    [Fact]
    public async Task RunAsync_RemoteUrl_IsRefusedBeforeAnyTraffic()
    {
        var (session, errors) = Session(Options("http://192.0.2.10:8080", bare: false));
        Assert.Equal(2, await session.RunAsync(CancellationToken.None));
        Assert.Contains("--allow-remote", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingEventsFile_IsAnInputError()
    {
        var (session, errors) = Session(Options("http://127.0.0.1:8080", bare: false, events: "/nonexistent/events.jsonl"));
        Assert.Equal(2, await session.RunAsync(CancellationToken.None));
        Assert.Contains("--events", errors.ToString(), StringComparison.Ordinal);
    }
}
