namespace Jiangwanli.Server.Configuration;

/// <summary>
/// The service's settings: the <c>Jiangwanli</c> configuration section (appsettings.json, <c>JWL__…</c>
/// environment variables, <c>jwl serve</c> flags). Documented in docs/operations.md.
/// </summary>
public sealed class JiangwanliOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Jiangwanli";

    /// <summary>Rule pack file (YAML). Relative paths are tried from the working directory, then the app's folder.</summary>
    public string Pack { get; set; } = "rules/default.yaml";

    /// <summary>Folder for the audit log and persisted list replacements. Relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Public (decision API) URLs, separated by ';'. Plain http only; TLS ends at the ingress.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Management URLs (health, metrics, admin), separated by ';'. Must not share a port with <see cref="Urls"/>.</summary>
    public string ManagementUrls { get; set; } = "http://127.0.0.1:9091";

    /// <summary>
    /// Bearer token for <c>/admin</c>. Required when a management URL is not loopback; when empty (loopback only)
    /// the admin endpoints accept local callers without a token.
    /// </summary>
    public string? AdminToken { get; set; }

    /// <summary>How long shutdown waits for in-flight requests before it gives up on them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Request size limits.</summary>
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>Decision log settings.</summary>
    public AuditSettings Audit { get; set; } = new();

    /// <summary>Admission control (concurrency limit, wait queue, memory guard) in front of the decision endpoints.</summary>
    public AdmissionOptions Admission { get; set; } = new();

    /// <summary>In-memory feature store settings.</summary>
    public FeatureSettings Features { get; set; } = new();
}
