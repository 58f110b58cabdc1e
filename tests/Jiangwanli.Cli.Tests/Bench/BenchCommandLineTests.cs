using System.CommandLine;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class BenchCommandLineTests
{
    private static (ParseResult Parse, BenchCommandLine Line) Parse(string args)
    {
        var line = new BenchCommandLine();
        var command = line.Build();
        return (command.Parse(args), line);
    }

    [Fact]
    public void Bind_TargetBareOnly_UsesTheDefaults()
    {
        var (parse, line) = Parse("--target bare");
        Assert.Empty(parse.Errors);
        var options = line.Bind(parse);
        Assert.True(options.Bare);
        Assert.Null(options.Url);
        Assert.Equal(64, options.Load.Connections);
        Assert.Null(options.Load.Rate);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Load.Duration);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Load.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Load.Timeout);
        Assert.Equal(BenchClientKind.Socket, options.Client);
        Assert.Equal(42, options.Seed);
        Assert.False(options.Json);
        Assert.False(options.AllowRemote);
        Assert.Equal(BareServer.DefaultBodyBytes, options.BareBodyBytes);
    }

    [Fact]
    public void Bind_EveryOption_IsCarriedOver()
    {
        var (parse, line) = Parse(
            "--url http://127.0.0.1:8080 --target bare --rate 5000 -c 5000 --duration 1m --warmup 500ms --timeout 250ms "
            + "--events e.jsonl --seed 7 --corpus 1000 --json --markdown r.md --label overload --management-url http://127.0.0.1:9091 "
            + "--admin-token t --server-pid 1234 --client httpclient --body-bytes 400");
        Assert.Empty(parse.Errors);
        var o = line.Bind(parse);
        Assert.Equal("http://127.0.0.1:8080", o.Url);
        Assert.True(o.Bare);
        Assert.Equal(5000, o.Load.Rate);
        Assert.Equal(5000, o.Load.Connections);
        Assert.Equal(TimeSpan.FromMinutes(1), o.Load.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.Load.Warmup);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.Load.Timeout);
        Assert.Equal("e.jsonl", o.EventsFile);
        Assert.Equal(7, o.Seed);
        Assert.Equal(1000, o.CorpusSize);
        Assert.True(o.Json);
        Assert.Equal("r.md", o.MarkdownFile);
        Assert.Equal("overload", o.Label);
        Assert.Equal("http://127.0.0.1:9091", o.ManagementUrl);
        Assert.Equal("t", o.AdminToken);
        Assert.Equal(1234, o.ServerProcessId);
        Assert.Equal(BenchClientKind.HttpClient, o.Client);
        Assert.Equal(400, o.BareBodyBytes);
        Assert.StartsWith("jwl --url http://127.0.0.1:8080", o.CommandLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("--duration 10s")]
    [InlineData("--target kestrel")]
    [InlineData("--target bare --duration ten")]
    [InlineData("--target bare --duration 0s")]
    [InlineData("--target bare --duration 2h")]
    [InlineData("--target bare --connections 0")]
    [InlineData("--target bare --connections 50001")]
    [InlineData("--target bare --rate -5")]
    [InlineData("--target bare --rate 0")]
    [InlineData("--target bare --client curl")]
    [InlineData("--target bare --timeout 0s")]
    public void Parse_BadArguments_AreErrors(string args)
    {
        var (parse, _) = Parse(args);
        Assert.NotEmpty(parse.Errors);
    }

    [Fact]
    public void Parse_BareServerSubcommand_IsAccepted()
    {
        var (parse, _) = Parse("bare-server --port 0 --body-bytes 330 --max-lifetime 30s");
        Assert.Empty(parse.Errors);
        Assert.Equal("bare-server", parse.CommandResult.Command.Name);
    }

    [Fact]
    public void Help_AllowRemote_SaysWhyItIsOff()
    {
        var (_, line) = Parse("--target bare");
        var allowRemote = line.Build().Options.Single(o => o.Name == "--allow-remote");
        Assert.Contains("load generator", allowRemote.Description, StringComparison.Ordinal);
    }
}
