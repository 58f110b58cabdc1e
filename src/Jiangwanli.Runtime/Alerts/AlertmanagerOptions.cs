namespace Jiangwanli.Runtime.Alerts;

/// <summary>Where and how runtime alerts are sent to Prometheus Alertmanager (API v2).</summary>
public sealed class AlertmanagerOptions
{
    /// <summary>Alertmanager's base URL, e.g. <c>http://alertmanager:9093</c>; alerts are POSTed to <c>{Url}/api/v2/alerts</c>. Null: do not send.</summary>
    public Uri? Url { get; set; }

    /// <summary>The <c>instance</c> label. Default: the machine (pod) name.</summary>
    public string Instance { get; set; } = Environment.MachineName;

    /// <summary>The <c>job</c> label. Default <c>jiangwanli</c>.</summary>
    public string Job { get; set; } = "jiangwanli";

    /// <summary>The <c>generatorURL</c> of every alert, e.g. the management port's <c>/debug/gc</c>. Optional.</summary>
    public Uri? GeneratorUrl { get; set; }

    /// <summary>More labels put on every alert (e.g. <c>cluster</c>, <c>namespace</c>).</summary>
    public IDictionary<string, string> ExtraLabels { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// How often a firing alert is sent again (Alertmanager forgets alerts whose <c>endsAt</c>
    /// passes). Firing alerts carry <c>endsAt = now + 4 × ResendInterval</c>, as Prometheus does.
    /// Default 1 minute.
    /// </summary>
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Timeout of one POST. Default 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The client to POST with (e.g. from IHttpClientFactory). Null: a private client.</summary>
    public HttpClient? HttpClient { get; set; }
}
