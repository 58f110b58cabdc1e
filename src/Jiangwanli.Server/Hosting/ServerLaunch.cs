using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Hosting;

/// <summary>How to start the service: an optional config file and settings that override every other source.</summary>
internal sealed class ServerLaunch
{
    /// <summary>A JSON file layered over appsettings.json (<c>jwl serve --config</c>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Configuration keys (e.g. <c>Jiangwanli:Pack</c>) set from command-line flags; they win over everything.</summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Environment to read <c>JWL__…</c> variables from; the process environment when null.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Replaces the logging setup (tests); console logging when null.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Whether SIGTERM/Ctrl-C stop the service (the console lifetime). Off for in-process tests.</summary>
    public bool HandleSignals { get; init; } = true;
}
