using System.Collections;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Runtime;
using Jiangwanli.Server.Admission;
using Jiangwanli.Server.Configuration;
using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Management;
using Jiangwanli.Server.Packs;
using Jiangwanli.Server.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Jiangwanli.Server.Hosting;

/// <summary>
/// Builds and runs the service: validates configuration and the pack (refusing to start on any problem, with
/// every problem printed), composes engine, decision log, metrics and both Kestrel listeners, and shuts down in
/// order — not ready, stop accepting, drain in-flight requests, close the decision log.
/// </summary>
internal sealed class JiangwanliHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DecisionLog _log;
    private readonly ILogger _logger;
    private bool _stopped;

    private JiangwanliHost(WebApplication app, JiangwanliOptions options, PackHost packs, DecisionLog log, IReadOnlyList<ListenUrl> publicUrls, IReadOnlyList<ListenUrl> managementUrls)
    {
        _app = app;
        Options = options;
        Packs = packs;
        _log = log;
        ConfiguredPublicUrls = publicUrls;
        ConfiguredManagementUrls = managementUrls;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Jiangwanli");
    }

    /// <summary>The bound options.</summary>
    public JiangwanliOptions Options { get; }

    /// <summary>The engine and its admin operations.</summary>
    public PackHost Packs { get; }

    /// <summary>The services, for tests.</summary>
    public IServiceProvider Services => _app.Services;

    public IReadOnlyList<ListenUrl> ConfiguredPublicUrls { get; }

    public IReadOnlyList<ListenUrl> ConfiguredManagementUrls { get; }

    /// <summary>
    /// Validates everything and builds the service; on any problem writes each one to <paramref name="errors"/> and
    /// returns null (nothing is started, nothing is left open).
    /// </summary>
    public static JiangwanliHost? Create(ServerLaunch launch, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(errors);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });

        if (launch.ConfigFile is { } configFile)
        {
            if (!File.Exists(configFile))
            {
                errors.WriteLine($"error: config file '{configFile}' does not exist");
                return null;
            }

            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddInMemoryCollection(JwlEnvironment(launch.Environment));
        builder.Configuration.AddInMemoryCollection(launch.Settings);

        var options = new JiangwanliOptions();
        try
        {
            builder.Configuration.GetSection(JiangwanliOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            errors.WriteLine($"error: configuration: {e.Message}");
            return null;
        }

        var problems = new List<string>();
        var publicUrls = new List<ListenUrl>();
        var managementUrls = new List<ListenUrl>();
        Validate(options, publicUrls, managementUrls, problems);
        var packPath = PackHost.ResolvePackPath(options.Pack);
        if (packPath is null)
        {
            problems.Add($"rule pack '{options.Pack}' not found (looked in {Directory.GetCurrentDirectory()} and {AppContext.BaseDirectory})");
        }

        RulePack? pack = null;
        if (packPath is not null)
        {
            var loaded = RulePackLoader.LoadFile(packPath);
            if (loaded.Success)
            {
                pack = loaded.Pack;
            }
            else
            {
                foreach (var diagnostic in loaded.Errors)
                {
                    problems.Add($"{packPath}:{diagnostic}");
                }
            }
        }

        if (problems.Count > 0 || pack is null || packPath is null)
        {
            foreach (var problem in problems)
            {
                errors.WriteLine("error: " + problem);
            }

            return null;
        }

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        ConfigureServices(builder, launch, options, pack, packPath, dataDirectory, publicUrls, managementUrls);
        var app = builder.Build();

        // Open (and recover) the decision log now, so a log that cannot open stops the start with a clear message.
        DecisionLog log;
        try
        {
            log = app.Services.GetRequiredService<DecisionLog>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            errors.WriteLine($"error: the decision log in {AuditDirectory(options, dataDirectory)} cannot be opened: {e.Message}");
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return null;
        }

        ConfigurePipeline(app);
        return new JiangwanliHost(app, options, app.Services.GetRequiredService<PackHost>(), log, publicUrls, managementUrls);
    }

    /// <summary>Addresses actually bound, split by listener (valid after <see cref="StartAsync"/>).</summary>
    public (IReadOnlyList<string> Public, IReadOnlyList<string> Management) BoundUrls()
    {
        var ports = _app.Services.GetRequiredService<ManagementPorts>();
        var publicUrls = new List<string>();
        var managementUrls = new List<string>();
        foreach (var url in _app.Urls)
        {
            var port = new Uri(url).Port;
            (ports.Contains(port) ? managementUrls : publicUrls).Add(url);
        }

        return (publicUrls, managementUrls);
    }

    /// <summary>Restores persisted lists, starts both listeners and becomes ready.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var pack = Packs.Pack;
        Log.PackLoaded(_logger, pack.Version, Packs.PackPath, pack.Rules.Count, pack.Features.Count, pack.Lists.Count);
        Packs.RestoreListOverrides(pack);
        if (_log.Audit is { } audit)
        {
            Log.AuditOpened(_logger, audit.Directory, _log.Durability);

            // Before the first request: a restart must not reset velocity features.
            var (replayed, skipped, elapsed) = FeatureRebuild.Run(Packs.Engine, audit.Directory, TimeProvider.System, cancellationToken);
            Log.FeaturesRebuilt(_logger, replayed, skipped, (long)elapsed.TotalMilliseconds);
        }
        else
        {
            Log.AuditDisabled(_logger);
        }

        await _app.StartAsync(cancellationToken);
        var readiness = _app.Services.GetRequiredService<ReadinessState>();
        var lifetime = _app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() => readiness.MarkNotReady());

        var (publicUrls, managementUrls) = BoundUrls();
        Log.ListeningPublic(_logger, string.Join(", ", publicUrls), Packs.Pack.Version);
        Log.ListeningManagement(_logger, string.Join(", ", managementUrls));
        if (!_app.Services.GetRequiredService<AdminToken>().IsRequired)
        {
            Log.AdminOpen(_logger, string.Join(", ", managementUrls));
        }

        readiness.MarkReady();
    }

    /// <summary>
    /// Shuts down in order: not ready, stop accepting and drain in-flight requests (up to the shutdown timeout),
    /// then flush and close the decision log. Idempotent.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _app.Services.GetRequiredService<ReadinessState>().MarkNotReady();
        Log.Draining(_logger, Options.ShutdownTimeout);
        await _app.StopAsync(CancellationToken.None);
        Log.ClosingAuditLog(_logger);
        await _log.DisposeAsync();
        Log.Stopped(_logger);
    }

    /// <summary>Starts, serves until SIGTERM/Ctrl-C (or <paramref name="cancellationToken"/>), stops in order. Returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var lifetime = _app.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStopping.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), stopping))
        using (cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), stopping))
        {
            await stopping.Task;
        }

        await StopAsync();
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private static void Validate(JiangwanliOptions options, List<ListenUrl> publicUrls, List<ListenUrl> managementUrls, List<string> problems)
    {
        if (!ListenUrl.TryParseList(options.Urls, "Jiangwanli:Urls", publicUrls, out var error))
        {
            problems.Add(error!);
        }

        if (!ListenUrl.TryParseList(options.ManagementUrls, "Jiangwanli:ManagementUrls", managementUrls, out error))
        {
            problems.Add(error!);
        }

        foreach (var url in managementUrls)
        {
            if (url.Port == 0)
            {
                problems.Add($"Jiangwanli:ManagementUrls: '{url.Text}' needs an explicit port");
            }

            if (publicUrls.Exists(p => p.Port == url.Port))
            {
                problems.Add($"Jiangwanli:ManagementUrls: port {url.Port} is also a public port; the two listeners need their own ports");
            }

            if (!url.IsLoopback && string.IsNullOrEmpty(options.AdminToken))
            {
                problems.Add($"Jiangwanli:ManagementUrls: '{url.Text}' is not a loopback address, and no Jiangwanli:AdminToken is set; refusing to expose /admin without a token (set JWL__ADMINTOKEN)");
            }
        }

        var limits = options.Limits;
        if (limits.MaxEventBytes <= 0 || limits.MaxBatchBytes <= 0 || limits.MaxBatchEvents <= 0 || limits.MaxDepth <= 0
            || limits.MaxStringBytes <= 0 || limits.MaxAdminBodyBytes <= 0)
        {
            problems.Add("Jiangwanli:Limits: every limit must be a positive number");
        }

        if (limits.MaxConnections < 0)
        {
            problems.Add("Jiangwanli:Limits:MaxConnections must be 0 (no cap) or positive");
        }

        if (limits.MaxEventBytes > 8 << 20)
        {
            problems.Add("Jiangwanli:Limits:MaxEventBytes may be at most 8 MiB (an audit record holds the event)");
        }

        if (options.Audit.Durability is not ("fsync" or "batch" or "none"))
        {
            problems.Add($"Jiangwanli:Audit:Durability must be fsync, batch or none, not '{options.Audit.Durability}'");
        }

        var admission = options.Admission;
        if (admission.MaxConcurrency < 0 || admission.MaxQueue < 0 || admission.MinConcurrency < 1 || admission.MaxConcurrencyLimit < 0)
        {
            problems.Add("Jiangwanli:Admission: MaxConcurrency, MaxQueue and MaxConcurrencyLimit must be 0 or more (0: the default), MinConcurrency at least 1");
        }
        else if (admission.Adaptive && (admission.MinConcurrency > admission.ResolvedMaxConcurrencyLimit
            || admission.ResolvedMaxConcurrency > admission.ResolvedMaxConcurrencyLimit))
        {
            problems.Add("Jiangwanli:Admission: need MinConcurrency <= MaxConcurrencyLimit and MaxConcurrency <= MaxConcurrencyLimit");
        }

        if (admission.QueueTimeout <= TimeSpan.Zero)
        {
            problems.Add("Jiangwanli:Admission:QueueTimeout must be positive");
        }

        if (!string.IsNullOrEmpty(admission.RequestStartHeader) && !admission.RequestStartHeader.All(IsHeaderNameChar))
        {
            problems.Add($"Jiangwanli:Admission:RequestStartHeader '{admission.RequestStartHeader}' is not an HTTP header name (letters, digits, and !#$%&'*+-.^_`|~), or empty to turn it off");
        }

        if (admission.MaxDispatchDelay < TimeSpan.Zero)
        {
            problems.Add("Jiangwanli:Admission:MaxDispatchDelay must be 0 (off) or positive");
        }

        if (!(admission.RateLimits.PerKeyPerSecond >= 0) || !(admission.RateLimits.Burst >= 0)
            || double.IsInfinity(admission.RateLimits.PerKeyPerSecond) || double.IsInfinity(admission.RateLimits.Burst))
        {
            problems.Add("Jiangwanli:Admission:RateLimits: PerKeyPerSecond and Burst must be finite and 0 or more");
        }

        if (admission.RetryAfterSeconds < 0)
        {
            problems.Add("Jiangwanli:Admission:RetryAfterSeconds must be 0 or more");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            problems.Add("Jiangwanli:ShutdownTimeout must be positive");
        }
    }

    /// <summary>An RFC 9110 token character (what a header name is made of).</summary>
    private static bool IsHeaderNameChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static string AuditDirectory(JiangwanliOptions options, string dataDirectory)
        => Path.GetFullPath(Path.Combine(dataDirectory, options.Audit.Directory));

    private static void ConfigureServices(
        WebApplicationBuilder builder,
        ServerLaunch launch,
        JiangwanliOptions options,
        RulePack pack,
        string packPath,
        string dataDirectory,
        List<ListenUrl> publicUrls,
        List<ListenUrl> managementUrls)
    {
        var limits = options.Limits;
        var connectionLimit = new ConnectionLimit(limits.MaxConnections);
        builder.Services.AddSingleton(connectionLimit);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Our own limits answer with a problem body; Kestrel's is only the outer bound.
            kestrel.Limits.MaxRequestBodySize = Math.Max(Math.Max(limits.MaxEventBytes, limits.MaxBatchBytes), limits.MaxAdminBodyBytes) + 1L;
            foreach (var url in publicUrls.Concat(managementUrls))
            {
                var capped = connectionLimit.Max > 0 && publicUrls.Contains(url);
                void Configure(ListenOptions listen)
                {
                    listen.Protocols = HttpProtocols.Http1;
                    if (capped)
                    {
                        listen.Use(connectionLimit.Wrap);
                    }
                }

                if (url.IsLocalhost)
                {
                    kestrel.ListenLocalhost(url.Port, Configure);
                }
                else
                {
                    kestrel.Listen(url.Address!, url.Port, Configure);
                }
            }
        });

        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        if (!launch.HandleSignals)
        {
            builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>();
        }

        builder.Logging.ClearProviders();
        if (launch.ConfigureLogging is { } configureLogging)
        {
            configureLogging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => options.Audit.Enabled
            ? DecisionLog.Open(AuditDirectory(options, dataDirectory), options.Audit, limits.MaxEventBytes, sp.GetRequiredService<ILoggerFactory>(), rejectWhenFull: options.Admission.Enabled)
            : DecisionLog.Disabled);
        services.AddSingleton<RequestBuffersPool>();
        services.AddSingleton<JiangwanliMetrics>();
        services.AddSingleton<ReadinessState>();
        services.AddSingleton(new AdminToken(options.AdminToken));
        services.AddSingleton(new ManagementPorts(managementUrls.Select(static u => u.Port)));
        services.AddSingleton(sp =>
        {
            var features = new InMemoryFeatureStore(
                new FeatureStoreOptions
                {
                    MaxTrackedKeys = options.Features.MaxTrackedKeys,
                    BucketsPerWindow = options.Features.BucketsPerWindow,
                },
                TimeProvider.System);
            var engine = new DecisionEngine(pack, features, TimeProvider.System, ReaderOptions(limits));
            return new PackHost(engine, packPath, Path.Combine(dataDirectory, "lists"), sp.GetRequiredService<ILogger<PackHost>>());
        });
        services.AddSingleton(sp => new DecisionEndpoint(
            sp.GetRequiredService<PackHost>(),
            sp.GetRequiredService<DecisionLog>(),
            sp.GetRequiredService<JiangwanliMetrics>(),
            sp.GetRequiredService<RequestBuffersPool>(),
            sp.GetRequiredService<ILogger<DecisionEndpoint>>(),
            limits.MaxEventBytes,
            sp.GetService<AdmissionControl>()));
        services.AddSingleton(sp => new BatchDecisionEndpoint(
            sp.GetRequiredService<PackHost>(),
            sp.GetRequiredService<DecisionLog>(),
            sp.GetRequiredService<JiangwanliMetrics>(),
            sp.GetRequiredService<RequestBuffersPool>(),
            sp.GetRequiredService<ILogger<BatchDecisionEndpoint>>(),
            limits.MaxBatchBytes,
            limits.MaxBatchEvents,
            limits.MaxDepth,
            sp.GetService<AdmissionControl>()));
        if (options.Admission.Enabled)
        {
            services.AddSingleton(sp =>
            {
                var governor = sp.GetRequiredService<RuntimeGovernance>().MemoryGovernor;
                return new AdmissionControl(
                    options.Admission,
                    () => governor.AdmissionLevel,
                    TimeProvider.System,
                    sp.GetService<System.Diagnostics.Metrics.IMeterFactory>());
            });
        }

        // The memory governor adapts to the decision rate.
        services.AddJiangwanliRuntime(builder.Configuration, static sp =>
        {
            var metrics = sp.GetRequiredService<JiangwanliMetrics>();
            return metrics.DecisionCount;
        });

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(JiangwanliMetrics.MeterName)
            .AddMeter(Jiangwanli.Runtime.RuntimeMeter.Name)
            .AddMeter(AspNetCoreMeters)
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
    }

    /// <summary>
    /// ASP.NET Core's own meters that are exported (<c>http.server.request.duration</c>, active requests, Kestrel
    /// connections, rate limiting, diagnostics).
    /// </summary>
    /// <remarks>
    /// Listed here instead of OpenTelemetry's <c>AddAspNetCoreInstrumentation()</c>, which on ASP.NET Core 10 also
    /// (a) listens to <c>Microsoft.AspNetCore.MemoryPool</c>, whose counters are updated on every block Kestrel rents
    /// and returns — ~1 % of the server's CPU under load — and (b) puts an async middleware in front of every request
    /// only to tag 5xx responses with <c>error.type</c>: an extra frame whose box is allocated whenever a decision
    /// waits for the audit log. Our endpoints answer their own 500s, which carry <c>http.response.status_code</c>.
    /// Routing's meter (one match-attempt counter update per request, 0.3 % of the server's CPU) is left out too: we
    /// have four fixed routes.
    /// (perf profile under load, docs/benchmarks.md "HTTP path profile".)
    /// </remarks>
    internal static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Diagnostics",
    ];

    /// <summary>The engine's reader limits from the service's limits.</summary>
    public static EventReaderOptions ReaderOptions(LimitsOptions limits) => new()
    {
        MaxEventBytes = Math.Max(limits.MaxEventBytes, 1),
        MaxDepth = limits.MaxDepth,
        MaxStringBytes = limits.MaxStringBytes,
    };

    private static void ConfigurePipeline(WebApplication app)
    {
        app.UseRouting();
        app.UseMiddleware<ManagementGateMiddleware>();
        app.UseMiddleware<ExceptionGuardMiddleware>();
        DecisionApi.Map(app);
        ManagementEndpoints.Map(app);
    }

    /// <summary><c>JWL__A__B=value</c> → <c>Jiangwanli:A:B=value</c>.</summary>
    private static Dictionary<string, string?> JwlEnvironment(IReadOnlyDictionary<string, string?>? environment)
    {
        const string Prefix = "JWL__";
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        IEnumerable<KeyValuePair<string, string?>> source = environment
            ?? System.Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
                .Select(static e => new KeyValuePair<string, string?>((string)e.Key, e.Value as string));
        foreach (var (key, value) in source)
        {
            if (key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && key.Length > Prefix.Length)
            {
                settings[JiangwanliOptions.SectionName + ":" + key[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = value;
            }
        }

        return settings;
    }

    /// <summary>A host lifetime that ignores process signals (in-process tests stop the host themselves).</summary>
    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
