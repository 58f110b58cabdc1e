using System.Globalization;
using Spectre.Console;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The live line while a target is driven: phase, elapsed, responses a second, the last second's p50 and p99, and the
/// counts by status and error so far — refreshed once a second with a Spectre.Console live display. Disabled (a no-op)
/// for <c>--json</c> and when stdout is redirected.
/// </summary>
internal sealed class ProgressDisplay
{
    private readonly IAnsiConsole? _console;

    /// <summary>A display on <paramref name="console"/>, or a silent one when null.</summary>
    public ProgressDisplay(IAnsiConsole? console)
    {
        _console = console;
    }

    /// <summary>Runs <paramref name="body"/>, handing it the callback that shows one interval.</summary>
    public async Task<T> RunAsync<T>(string target, Func<Action<IntervalReport>, Task<T>> body)
    {
        if (_console is null)
        {
            return await body(static _ => { }).ConfigureAwait(false);
        }

        T result = default!;
        await _console.Live(new Markup(Markup.Escape($"{target}: connecting…")))
            .AutoClear(false)
            .StartAsync(async context =>
            {
                result = await body(report =>
                {
                    context.UpdateTarget(new Markup(Markup.Escape(Line(target, report))));
                    context.Refresh();
                }).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>The text of the live line for one interval.</summary>
    public static string Line(string target, IntervalReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var inv = CultureInfo.InvariantCulture;
        var phase = report.Phase == BenchPhase.Warmup ? "warm-up" : "measure";
        var latency = report.Latency.Count == 0
            ? "p50 n/a p99 n/a"
            : $"p50 {ReportWriter.Micros(report.Latency.P50)} p99 {ReportWriter.Micros(report.Latency.P99)}";
        return string.Create(inv, $"{target} {phase} {report.Elapsed.TotalSeconds:0}s | {report.ResponsesPerSecond:N0} resp/s | {latency} | {ReportWriter.Statuses(report.Counts)} | errors {ReportWriter.Errors(report.Counts)} | {report.Remaining.TotalSeconds:0}s left");
    }
}
