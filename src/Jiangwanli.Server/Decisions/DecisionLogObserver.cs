using Jiangwanli.Audit;
using Jiangwanli.Server.Telemetry;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Decisions;

/// <summary>Turns the audit log's own reports (recovery, torn tail, failure, resumption) into log lines.</summary>
internal sealed class DecisionLogObserver : IAuditObserver
{
    private readonly ILogger _logger;

    public DecisionLogObserver(ILogger logger) => _logger = logger;

    public void OnRecovered(AuditRecoveryReport report)
        => Log.AuditRecovered(_logger, report.SegmentsFound, report.RecordsVerified, report.LastSequence, report.Elapsed.TotalMilliseconds);

    public void OnTruncated(AuditTruncation truncation)
        => Log.AuditTruncated(_logger, truncation.Segment, truncation.Offset, truncation.Bytes, truncation.Reason, truncation.QuarantinePath);

    public void OnFailed(AuditFailure failure)
        => Log.AuditLogFailed(_logger, failure.Error, failure.Operation, failure.FailOpen ? "open (decisions answered, not logged)" : "closed (decisions answered 503)");

    public void OnResumed(AuditResumption resumption)
        => Log.AuditResumed(_logger, resumption.Downtime, resumption.FailedAppends, resumption.FailOpenAppends);

    public void OnBackgroundError(string operation, Exception error) => Log.AuditBackgroundError(_logger, error, operation);
}
