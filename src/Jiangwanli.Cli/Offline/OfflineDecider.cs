using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Server.Configuration;
using Jiangwanli.Server.Hosting;
using Jiangwanli.Server.Packs;
using Jiangwanli.Server.Problems;

namespace Jiangwanli.Cli.Offline;

/// <summary>
/// Decides a file of events with the same engine, limits and JSON writers as the service, with in-memory features
/// and no audit log. Each non-blank input line gives one output line: the decision exactly as
/// <c>POST /v1/decisions</c> would answer it (without <c>seq</c>; <c>latency_us</c> is the engine's evaluation time,
/// or 0 with <c>--no-latency</c>), or the problem object the service would answer for that event.
/// </summary>
internal sealed class OfflineDecider
{
    private readonly DecisionEngine _engine;

    private OfflineDecider(DecisionEngine engine) => _engine = engine;

    /// <summary>Counts of the last <see cref="Run"/>.</summary>
    public long Decided { get; private set; }

    public long Refused { get; private set; }

    public long[] ByOutcome { get; } = new long[3];

    /// <summary>Loads the pack (default: the service's default pack); null with errors written when it does not load.</summary>
    public static OfflineDecider? Create(string? packPath, TextWriter error)
    {
        var configured = packPath ?? new JiangwanliOptions().Pack;
        var resolved = PackHost.ResolvePackPath(configured);
        if (resolved is null)
        {
            error.WriteLine($"error: rule pack '{configured}' not found");
            return null;
        }

        var result = RulePackLoader.LoadFile(resolved);
        if (!result.Success)
        {
            foreach (var diagnostic in result.Errors)
            {
                error.WriteLine($"{resolved}:{diagnostic}");
            }

            return null;
        }

        var engine = new DecisionEngine(
            result.Pack,
            new InMemoryFeatureStore(new FeatureStoreOptions(), TimeProvider.System),
            TimeProvider.System,
            JiangwanliHost.ReaderOptions(new LimitsOptions()));
        return new OfflineDecider(engine);
    }

    /// <summary>The pack in use.</summary>
    public RulePack Pack => _engine.Pack;

    /// <summary>Decides every line of <paramref name="input"/> into <paramref name="output"/> as NDJSON.</summary>
    public void Run(Stream input, Stream output, bool noLatency)
    {
        var reader = new JsonLinesReader(input);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var problemWriter = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        Span<byte> newline = [(byte)'\n'];
        while (reader.TryReadLine(out var line))
        {
            if (line.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            buffer.ResetWrittenCount();
            var context = _engine.Rent();
            try
            {
                if (_engine.Decide(line, context))
                {
                    DecisionJsonWriter.WriteResponse(context, buffer, -1, noLatency ? 0 : context.EvaluationMicros);
                    Decided++;
                    ByOutcome[(int)context.Decision]++;
                }
                else
                {
                    var e = context.Error;
                    problemWriter.Reset(buffer);
                    ProblemWriter.Write(problemWriter, ProblemCatalog.For(e), e.Message, e.Field, e.BytePosition);
                    Refused++;
                }
            }
            finally
            {
                _engine.Return(context);
            }

            output.Write(buffer.WrittenSpan);
            output.Write(newline);
        }

        output.Flush();
    }

    /// <summary>One line for stderr: what was decided.</summary>
    public string Summary() => string.Create(
        CultureInfo.InvariantCulture,
        $"decided {Decided} events (allow {ByOutcome[0]}, review {ByOutcome[1]}, deny {ByOutcome[2]}), refused {Refused}; pack {Pack.Version}");
}
