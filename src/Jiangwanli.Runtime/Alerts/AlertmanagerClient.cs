using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Jiangwanli.Runtime.Alerts;

/// <summary>
/// Posts alerts to Prometheus Alertmanager's v2 API: <c>POST {url}/api/v2/alerts</c> with a JSON
/// array of postable alerts:
/// <code>
/// [{ "labels": { "alertname": "…", "severity": "warning", "instance": "…", "job": "jiangwanli", "component": "runtime" },
///    "annotations": { "summary": "…", "description": "…", "value": "…", "threshold": "…" },
///    "startsAt": "2025-01-01T00:00:00.000Z", "endsAt": "…", "generatorURL": "…" }]
/// </code>
/// A resolved alert has <c>endsAt</c> at its resolution time (in the past), which tells
/// Alertmanager it is resolved; a firing one has <c>endsAt</c> in the future.
/// </summary>
public sealed class AlertmanagerClient : IDisposable
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly AlertmanagerOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _endpoint;

    /// <summary>Creates a client for <see cref="AlertmanagerOptions.Url"/>, which must be set.</summary>
    public AlertmanagerClient(AlertmanagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Url is null)
        {
            throw new ArgumentException("AlertmanagerOptions.Url is required", nameof(options));
        }

        _options = options;
        _endpoint = BuildEndpoint(options.Url);
        if (options.HttpClient is { } client)
        {
            _http = client;
        }
        else
        {
            _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            _ownsHttp = true;
        }
    }

    /// <summary>The URL alerts are posted to: <c>{Url}/api/v2/alerts</c>.</summary>
    public Uri EndpointUrl => _endpoint;

    /// <summary>Posts <paramref name="alerts"/>; true when Alertmanager answered 2xx.</summary>
    /// <exception cref="HttpRequestException">The request failed at the transport level.</exception>
    public async Task<bool> PostAsync(IReadOnlyList<RuntimeAlert> alerts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return true;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WritePayload(writer, alerts, _options, now);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
        content.Headers.ContentType = s_json;
        using var response = await _http.PostAsync(_endpoint, content, timeout.Token).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Writes the v2 <c>postableAlerts</c> array.</summary>
    internal static void WritePayload(Utf8JsonWriter writer, IReadOnlyList<RuntimeAlert> alerts, AlertmanagerOptions options, DateTimeOffset now)
    {
        writer.WriteStartArray();
        foreach (var alert in alerts)
        {
            writer.WriteStartObject();
            writer.WriteStartObject("labels");
            writer.WriteString("alertname", alert.Name);
            writer.WriteString("severity", alert.Severity switch
            {
                AlertSeverity.Critical => "critical",
                AlertSeverity.Warning => "warning",
                _ => "info",
            });
            writer.WriteString("instance", options.Instance);
            writer.WriteString("job", options.Job);
            writer.WriteString("component", "runtime");
            foreach (var (key, value) in options.ExtraLabels)
            {
                if (key is not ("alertname" or "severity" or "instance" or "job" or "component"))
                {
                    writer.WriteString(key, value);
                }
            }

            writer.WriteEndObject();
            writer.WriteStartObject("annotations");
            writer.WriteString("summary", alert.Summary);
            writer.WriteString("description", alert.Description);
            writer.WriteString("value", alert.Value.ToString("G6", CultureInfo.InvariantCulture));
            writer.WriteString("threshold", alert.Threshold.ToString("G6", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteString("startsAt", Rfc3339(alert.StartsAt));
            if (alert.State == AlertState.Resolved)
            {
                writer.WriteString("endsAt", Rfc3339(alert.EndsAt ?? now));
            }
            else if (options.ResendInterval > TimeSpan.Zero)
            {
                // Expires by itself if we stop re-sending (e.g. the process died), like Prometheus.
                writer.WriteString("endsAt", Rfc3339(now + (4 * options.ResendInterval)));
            }

            if (options.GeneratorUrl is { } generator)
            {
                writer.WriteString("generatorURL", generator.AbsoluteUri);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    internal static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static Uri BuildEndpoint(Uri baseUrl)
    {
        var text = baseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri(text + "/api/v2/alerts", UriKind.Absolute);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
