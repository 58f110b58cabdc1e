using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Spectre.Console;

namespace Jiangwanli.Cli.Bench;

/// <summary>The options of <c>jwl bench</c> and <c>jwl bench bare-server</c>, and how they bind to <see cref="BenchOptions"/>.</summary>
internal sealed class BenchCommandLine
{
    /// <summary>More connections than this is a mistake on one machine (each costs a socket on both ends).</summary>
    public const int MaxConnections = 50_000;

    private static readonly TimeSpan s_maxDuration = TimeSpan.FromHours(1);
    private static readonly TimeSpan s_maxWarmup = TimeSpan.FromMinutes(10);

    private readonly Option<string?> _url = new("--url")
    {
        Description = "The server to load, e.g. http://127.0.0.1:8080 (POSTs to /v1/decisions when the URL has no path). Loopback only unless --allow-remote.",
        HelpName = "URL",
    };

    private readonly Option<string?> _target = new("--target")
    {
        Description = "'bare': also measure a bare Kestrel endpoint (constant decision-sized response, no engine, no audit) started as a child process, first, and give every throughput as a ratio to it.",
        HelpName = "bare",
    };

    private readonly Option<TimeSpan> _duration = DurationOption("--duration", "How long to measure after the warm-up (e.g. 10s, 2m).", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), s_maxDuration);
    private readonly Option<TimeSpan> _warmup = DurationOption("--warmup", "Load before measuring, discarded.", TimeSpan.FromSeconds(2), TimeSpan.Zero, s_maxWarmup);
    private readonly Option<TimeSpan> _timeout = DurationOption("--timeout", "A response slower than this counts as a timeout; the connection is re-opened.", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));

    private readonly Option<int> _connections = IntOption("--connections", "Concurrent keep-alive HTTP/1.1 connections.", 64, 1, MaxConnections, "-c");

    private readonly Option<double?> _rate = new("--rate")
    {
        Description = "Open loop: this many requests a second on a fixed schedule, latency measured from each request's intended send time (coordinated-omission corrected). Without it: closed loop, every connection as fast as answered.",
        HelpName = "REQ/S",
        CustomParser = static result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate > 0 && rate <= 10_000_000)
            {
                return rate;
            }

            result.AddError($"--rate must be a number of requests a second, above 0 and at most 10,000,000 (got '{text}').");
            return null;
        },
    };

    private readonly Option<string?> _events = new("--events")
    {
        Description = "Request bodies from this JSONL file (one event per line) instead of the seeded generator.",
        HelpName = "FILE",
    };

    private readonly Option<int> _seed = IntOption("--seed", "Seed of the event generator.", 42, int.MinValue, int.MaxValue);

    private readonly Option<int> _corpus = IntOption("--corpus", "Distinct requests built before the run (or read from --events); the run cycles through them.", 65_536, 1, 1_000_000);

    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object (throughput = successful responses per second) and no live progress." };

    private readonly Option<string?> _markdown = new("--markdown") { Description = "Append the report to this markdown file.", HelpName = "FILE" };

    private readonly Option<string?> _label = new("--label") { Description = "A name for this run in the reports.", HelpName = "TEXT" };

    private readonly Option<string?> _management = new("--management-url")
    {
        Description = "The server's management port, for its GC count, pause total and memory (/debug/gc, /metrics). Default: the --url host on port 9091.",
        HelpName = "URL",
    };

    private readonly Option<string?> _adminToken = new("--admin-token") { Description = "Bearer token for the management port's /debug endpoints, if it requires one.", HelpName = "TOKEN" };

    private readonly Option<int?> _serverPid = new("--server-pid")
    {
        Description = "The server's process id, to read its peak memory from /proc (found from the listening port when omitted).",
        HelpName = "PID",
    };

    private readonly Option<bool> _allowRemote = new("--allow-remote")
    {
        Description = "Accept a non-loopback --url. Off by default: jwl bench is a load generator, and aimed at the wrong host it is a denial-of-service tool.",
    };

    private readonly Option<string> _client = new("--client")
    {
        Description = "socket: the lean raw-socket HTTP/1.1 client (default); httpclient: HttpClient over SocketsHttpHandler, for comparison.",
        DefaultValueFactory = static _ => "socket",
    };

    private readonly Option<bool> _requestStart = new("--request-start")
    {
        Description = "Stamp every request with X-Request-Start: t=<µs since 1970> of its intended send time (open loop; closed loop: its send time), as a proxy would. A server that honors it (jwl serve: Admission:RequestStartHeader) sheds requests that waited past its QueueTimeout in this client's or the kernel's queues.",
    };

    private readonly Option<int> _bodyBytes = IntOption("--body-bytes", "Size of the bare endpoint's constant response body (a typical decision).", BareServer.DefaultBodyBytes, 0, 1 << 20);

    /// <summary>Builds the option objects.</summary>
    public BenchCommandLine()
    {
        _target.AcceptOnlyFromAmong("bare");
        _client.AcceptOnlyFromAmong("socket", "httpclient");
    }

    /// <summary>The <c>bench</c> command with its <c>bare-server</c> subcommand.</summary>
    public Command Build()
    {
        var command = new Command("bench", "HTTP load test of the decision endpoint: closed or open loop (HdrHistogram, coordinated-omission corrected), live progress, and a report with the server's GCs and peak memory — optionally against a bare Kestrel endpoint on the same machine.")
        {
            _url, _target, _duration, _connections, _rate, _warmup, _timeout, _events, _seed, _corpus, _json, _markdown, _label,
            _management, _adminToken, _serverPid, _allowRemote, _client, _requestStart, _bodyBytes,
            BareServerCommand(),
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(_url) is null && result.GetResult(_target) is null)
            {
                result.AddError("give --url, --target bare, or both.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = Bind(parse);
            SocketCompletionMode.PreferInline();
            using var stop = new StopSignal(cancellationToken);
            var session = new BenchSession(options, AnsiConsole.Console, Console.OpenStandardOutput(), parse.InvocationConfiguration.Error);
            return await session.RunAsync(stop.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The validated options of a parse of <see cref="Build"/>'s command.</summary>
    public BenchOptions Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new BenchOptions
        {
            Url = parse.GetValue(_url),
            Bare = parse.GetValue(_target) == "bare",
            Load = new LoadRunSettings
            {
                Connections = parse.GetValue(_connections),
                Rate = parse.GetValue(_rate),
                Duration = parse.GetValue(_duration),
                Warmup = parse.GetValue(_warmup),
                Timeout = parse.GetValue(_timeout),
            },
            EventsFile = parse.GetValue(_events),
            Seed = parse.GetValue(_seed),
            CorpusSize = parse.GetValue(_corpus),
            Json = parse.GetValue(_json),
            MarkdownFile = parse.GetValue(_markdown),
            Label = parse.GetValue(_label),
            ManagementUrl = parse.GetValue(_management),
            AdminToken = parse.GetValue(_adminToken),
            ServerProcessId = parse.GetValue(_serverPid),
            AllowRemote = parse.GetValue(_allowRemote),
            Client = parse.GetValue(_client) == "httpclient" ? BenchClientKind.HttpClient : BenchClientKind.Socket,
            RequestStart = parse.GetValue(_requestStart),
            BareBodyBytes = parse.GetValue(_bodyBytes),
            CommandLine = "jwl " + string.Join(' ', parse.Tokens.Select(static t => t.Value.Contains(' ', StringComparison.Ordinal) ? $"\"{t.Value}\"" : t.Value)),
        };
    }

    private static Command BareServerCommand()
    {
        var port = IntOption("--port", "Loopback port to listen on; 0 picks a free one (printed).", 0, 0, 65_535);
        var bodyBytes = IntOption("--body-bytes", "Size of the constant response body.", BareServer.DefaultBodyBytes, 0, 1 << 20);
        var lifetime = DurationOption("--max-lifetime", "Exit after this long in any case.", TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), TimeSpan.FromHours(2));
        var parent = new Option<int?>("--parent-pid") { Description = "Exit when this process exits.", Hidden = true };
        var command = new Command("bare-server", "Serve the bare endpoint alone on 127.0.0.1 (POST /v1/decisions → constant decision-sized JSON; GET /debug/gc), e.g. to cross-check with wrk. Stops after --max-lifetime.")
        {
            port, bodyBytes, lifetime, parent,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var stop = new StopSignal(cancellationToken);
            return await BareServer.RunAsync(
                parse.GetValue(port),
                parse.GetValue(bodyBytes),
                parse.GetValue(lifetime),
                parse.GetValue(parent),
                parse.InvocationConfiguration.Output,
                stop.Token).ConfigureAwait(false);
        });
        return command;
    }

    // Bounds live in the parsers: a validator that reads a value which failed to parse throws instead of reporting.
    private static Option<TimeSpan> DurationOption(string name, string description, TimeSpan defaultValue, TimeSpan min, TimeSpan max) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (DurationText.TryParse(text, out var value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError($"{name} must be a duration (e.g. 10s, 500ms, 2m) from {DurationText.Format(min)} to {DurationText.Format(max)} (got '{text}').");
            return default;
        },
    };

    private static Option<int> IntOption(string name, string description, int defaultValue, int min, int max, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {min} to {max} (got '{text}')."));
            return default;
        },
    };
}
