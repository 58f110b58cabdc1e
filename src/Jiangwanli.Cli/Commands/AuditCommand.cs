using System.CommandLine;
using System.Globalization;
using Jiangwanli.Audit;

namespace Jiangwanli.Cli.Commands;

/// <summary><c>jwl audit verify|tail|export DIR</c>: check and read a decision log.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var root = new Command("audit", "Check and read the decision audit log.");
        root.Subcommands.Add(Verify());
        root.Subcommands.Add(Tail());
        root.Subcommands.Add(Export());
        return root;
    }

    private static Argument<DirectoryInfo> DirArgument() => new("DIR") { Description = "The audit log folder (e.g. ./data/audit)." };

    private static Command Verify()
    {
        var dir = DirArgument();
        var command = new Command("verify", "Check framing, CRCs, sequence and the SHA-256 chain of every segment. Exit 1 at the first damage.") { dir };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetValue(dir)!.FullName;
            if (!Directory.Exists(path))
            {
                error.WriteLine($"audit verify: no such folder '{path}'");
                return Task.FromResult(2);
            }

            var result = AuditVerifier.Verify(path, null, cancellationToken);
            if (result.Failure is { } f)
            {
                error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"audit verify: FAILED at sequence {f.Sequence}, segment {f.Segment}, offset {f.Offset}: {f.Reason}: {f.Message}"));
                return Task.FromResult(1);
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audit verify: ok — {Describe(result)}"));
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Tail()
    {
        var dir = DirArgument();
        var count = new Option<int>("--lines", "-n") { Description = "How many of the newest records to print.", DefaultValueFactory = _ => 10 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new records as they are written (Ctrl-C to stop)." };
        var command = new Command("tail", "Print the newest records as JSON lines.") { dir, count, follow };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var path = parseResult.GetValue(dir)!.FullName;
            if (!Directory.Exists(path))
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"audit tail: no such folder '{path}'");
                return 2;
            }

            ulong next = 1;
            foreach (var record in AuditTail.ReadLast(path, Math.Max(0, parseResult.GetValue(count))))
            {
                AuditExporter.WriteJsonLine(output, record);
                next = record.Sequence + 1;
            }

            if (!parseResult.GetValue(follow))
            {
                return 0;
            }

            if (next == 1)
            {
                next = LastSequence(path) + 1;
            }

            try
            {
                await AuditTail.FollowAsync(path, next, r =>
                {
                    AuditExporter.WriteJsonLine(output, r);
                    output.Flush();
                }, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var dir = DirArgument();
        var from = new Option<string?>("--from") { Description = "First record: a sequence number or an RFC 3339 time." };
        var to = new Option<string?>("--to") { Description = "Last record: a sequence number or an RFC 3339 time." };
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl");
        var command = new Command("export", "Write records as JSON lines to standard output.") { dir, from, to, format };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetValue(dir)!.FullName;
            if (!Directory.Exists(path))
            {
                error.WriteLine($"audit export: no such folder '{path}'");
                return Task.FromResult(2);
            }

            var options = new AuditExportOptions();
            if (!TryBound(parseResult.GetValue(from), v => options.FromSequence = v, t => options.FromTime = t, "--from", error)
                || !TryBound(parseResult.GetValue(to), v => options.ToSequence = v, t => options.ToTime = t, "--to", error))
            {
                return Task.FromResult(2);
            }

            var written = AuditExporter.ExportJsonLines(path, parseResult.InvocationConfiguration.Output, options, cancellationToken);
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audit export: {written} record(s)"));
            return Task.FromResult(0);
        });
        return command;
    }

    private static bool TryBound(string? text, Action<ulong> sequence, Action<DateTimeOffset> time, string option, TextWriter error)
    {
        if (text is null)
        {
            return true;
        }

        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            sequence(seq);
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            time(t);
            return true;
        }

        error.WriteLine($"audit export: {option} '{text}' is neither a sequence number nor an RFC 3339 time");
        return false;
    }

    private static ulong LastSequence(string path)
    {
        var last = AuditTail.ReadLast(path, 1);
        return last.Count == 0 ? 0 : last[0].Sequence;
    }

    private static string Describe(AuditVerifyResult result)
        => string.Create(CultureInfo.InvariantCulture, $"{result.RecordCount} record(s) in {result.SegmentCount} segment(s), sequences {result.FirstSequence}..{result.LastSequence}{(result.StartsAtGenesis ? string.Empty : " (older segments removed by retention)")}, head {result.LastHash}");
}
