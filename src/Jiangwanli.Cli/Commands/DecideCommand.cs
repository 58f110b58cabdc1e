using System.CommandLine;
using Jiangwanli.Cli.Offline;

namespace Jiangwanli.Cli.Commands;

/// <summary>
/// <c>jwl decide FILE.jsonl [--pack FILE] [--no-latency]</c>: decides a file of events offline and writes NDJSON
/// decisions to stdout. Exit 0 when every event was decided, 1 when some were refused (their lines are problem
/// objects), 2 when it could not run (pack or file).
/// </summary>
internal static class DecideCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Events, one JSON object per line ('-' reads stdin)." };
        var pack = new Option<string?>("--pack") { Description = "Rule pack file (default rules/default.yaml)." };
        var noLatency = new Option<bool>("--no-latency")
        {
            Description = "Write latency_us as 0, so the output compares byte for byte with the service's responses (minus seq).",
        };
        var command = new Command("decide", "Decide a JSONL file of events offline (same engine, in-memory features); NDJSON to stdout.")
        {
            file, pack, noLatency,
        };
        command.SetAction(parseResult =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetValue(file)!;
            using var output = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
            return Run(path, parseResult.GetValue(pack), parseResult.GetValue(noLatency), output, error);
        });
        return command;
    }

    /// <summary>Runs the command against given streams (tests).</summary>
    internal static int Run(string path, string? packPath, bool noLatency, Stream output, TextWriter error)
    {
        var decider = OfflineDecider.Create(packPath, error);
        if (decider is null)
        {
            return 2;
        }

        Stream input;
        try
        {
            input = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot read '{path}': {e.Message}");
            return 2;
        }

        using (input)
        {
            try
            {
                decider.Run(input, output, noLatency);
            }
            catch (InvalidDataException e)
            {
                error.WriteLine($"error: {path}: {e.Message}");
                return 2;
            }
        }

        error.WriteLine(decider.Summary());
        return decider.Refused > 0 ? 1 : 0;
    }
}
