using Jiangwanli.Runtime;
using Jiangwanli.Runtime.Alerts;
using Jiangwanli.Runtime.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Hosting;

/// <summary>
/// Registers the runtime observation chain (Jiangwanli.Runtime) in the host: one <see cref="RuntimeGovernance"/>
/// started with the host and stopped after the HTTP server (see the shutdown order in ARCHITECTURE.md).
/// Configuration (section <c>Jiangwanli:Runtime</c>): <c>GcTrace</c> (also <c>JWL_GCTRACE=1</c>), <c>MemoryLimit</c>
/// (bytes, <c>2GiB</c> or <c>75%</c>), <c>MinMemoryLimit</c>, <c>MaxMemoryLimit</c>, <c>AdaptLatencyMode</c>,
/// <c>AlertmanagerUrl</c>.
/// </summary>
internal static partial class RuntimeHosting
{
    public static IServiceCollection AddJiangwanliRuntime(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, Func<long>>? requestCount)
    {
        services.AddSingleton(provider =>
        {
            var section = configuration.GetSection("Jiangwanli:Runtime");
            var options = new RuntimeGovernanceOptions();
            if (section["GcTrace"] is { } trace && bool.TryParse(trace, out var traceOn))
            {
                options.GcTrace = traceOn;
            }

            options.MemoryGovernor.Limit = ParseLimit(section["MemoryLimit"], "MemoryLimit");
            options.MemoryGovernor.MinLimit = ParseLimit(section["MinMemoryLimit"], "MinMemoryLimit");
            options.MemoryGovernor.MaxLimit = ParseLimit(section["MaxMemoryLimit"], "MaxMemoryLimit");
            if (section["AdaptLatencyMode"] is { } adapt && bool.TryParse(adapt, out var adaptOn))
            {
                options.MemoryGovernor.AdaptLatencyMode = adaptOn;
            }

            options.MemoryGovernor.RequestCount = requestCount?.Invoke(provider);
            if (section["AlertmanagerUrl"] is { Length: > 0 } url)
            {
                options.GcMonitor.Alertmanager.Url = new Uri(url, UriKind.Absolute);
            }

            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Jiangwanli.Runtime");
            return new RuntimeGovernance(options, new LoggingObserver(logger), provider.GetService<TimeProvider>(), provider.GetService<System.Diagnostics.Metrics.IMeterFactory>());
        });
        services.AddHostedService<RuntimeGovernanceService>();
        return services;
    }

    private static MemoryLimit? ParseLimit(string? text, string key)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return MemoryLimit.TryParse(text, out var limit)
            ? limit
            : throw new InvalidOperationException($"Jiangwanli:Runtime:{key} '{text}' is not a memory size (bytes, e.g. 2GiB, or a percentage such as 75%)");
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "GC alert {Name} {State}: {Summary} (value {Value}, threshold {Threshold})")]
    private static partial void LogAlert(ILogger logger, string name, AlertState state, string summary, double value, double threshold);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "memory governor: {Kind} {From} -> {To} ({Reason}); succeeded: {Succeeded}")]
    private static partial void LogGovernor(ILogger logger, GovernorActionKind kind, string from, string to, string reason, bool succeeded);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "runtime component {Component} failed")]
    private static partial void LogRuntimeError(ILogger logger, string component, Exception exception);

    private sealed class LoggingObserver(ILogger logger) : RuntimeObserver
    {
        public override void OnAlert(RuntimeAlert alert)
            => LogAlert(logger, alert.Name, alert.State, alert.Summary, alert.Value, alert.Threshold);

        public override void OnGovernorAction(GovernorAction action)
            => LogGovernor(logger, action.Kind, action.From, action.To, action.Reason, action.Succeeded);

        public override void OnError(string component, Exception exception) => LogRuntimeError(logger, component, exception);
    }

    private sealed class RuntimeGovernanceService(RuntimeGovernance governance) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            governance.Start();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => governance.StopAsync(cancellationToken);
    }
}
