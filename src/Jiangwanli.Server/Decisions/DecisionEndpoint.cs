using System.Diagnostics;
using Jiangwanli.Audit;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Events;
using Jiangwanli.Server.Admission;
using Jiangwanli.Server.Packs;
using Jiangwanli.Server.Problems;
using Jiangwanli.Server.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// <c>POST /v1/decisions</c>: one JSON event in, one decision out. The hot path:
/// content type → admission → body into a pooled array (size limit enforced while reading) →
/// <see cref="DecisionEngine.Decide"/> in a pooled context → audit record appended (admission slot released) →
/// append awaited → response written with the context's cached <c>Utf8JsonWriter</c> into a pooled buffer, then
/// copied into the response pipe with its Content-Length.
/// </summary>
/// <remarks>
/// <para>Admission counts CPU work, not the wait for the disk: the slot is given back as soon as the audit record has
/// been handed to the log (<see cref="AuditLog.AppendAsync"/> called, not yet awaited), so a limit sized to the cores
/// keeps them busy while earlier decisions wait for their group commit. The handler latency fed to the adaptive limit
/// is that CPU stage. Requests awaiting the disk are bounded by the audit log's own queue, which the server opens in
/// reject mode when admission is on (a full queue answers 503 <c>audit-unavailable</c> with <c>Retry-After</c>:
/// fail closed). Exactly one release per admitted request, on every path (<c>holdsSlot</c>).</para>
/// <para>Allocation: none from this class per request when the body is already buffered and the audit append
/// completes synchronously; when either awaits, the one <see cref="Task"/> Kestrel needs to await us (this async
/// method's box) is the only allocation — the body read's state machine is pooled. This handler guards itself (no
/// exception-handling middleware in front of it, whose own async frame would allocate per request).</para>
/// </remarks>
internal sealed class DecisionEndpoint
{
    private readonly PackHost _packs;
    private readonly DecisionLog _log;
    private readonly JiangwanliMetrics _metrics;
    private readonly RequestBuffersPool _buffers;
    private readonly ILogger _logger;
    private readonly int _maxBytes;
    private readonly string _tooLargeDetail;
    private readonly AdmissionControl? _admission;

    public DecisionEndpoint(PackHost packs, DecisionLog log, JiangwanliMetrics metrics, RequestBuffersPool buffers, ILogger<DecisionEndpoint> logger, int maxBytes, AdmissionControl? admission = null)
    {
        _admission = admission;
        _packs = packs;
        _log = log;
        _metrics = metrics;
        _buffers = buffers;
        _logger = logger;
        _maxBytes = maxBytes;
        _tooLargeDetail = $"an event may be at most {maxBytes} bytes (Jiangwanli:Limits:MaxEventBytes)";
    }

    /// <summary>The request delegate.</summary>
    public Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        if (MediaTypes.Classify(request.ContentType) != BodyFormat.Json)
        {
            Refuse(http, ProblemCatalog.UnsupportedMediaType, "send one event as application/json (UTF-8)", null);
            return Task.CompletedTask;
        }

        if (request.ContentLength > _maxBytes)
        {
            Refuse(http, ProblemCatalog.BodyTooLarge, _tooLargeDetail, "$");
            return Task.CompletedTask;
        }

        // Admission before the body is read: a refusal is answered at once.
        if (_admission is not { } admission)
        {
            return DecideAsync(http);
        }

        var entry = admission.AcquireForAsync(request);
        if (!entry.IsCompletedSuccessfully)
        {
            return AdmitThenDecideAsync(http, entry);
        }

        var outcome = entry.Result;
        if (outcome == AdmissionOutcome.Admitted)
        {
            return DecideAsync(http);
        }

        Shed(http, admission, outcome);
        return Task.CompletedTask;
    }

    /// <summary>The slow path: the request waited in the admission queue.</summary>
    private async Task AdmitThenDecideAsync(HttpContext http, ValueTask<AdmissionOutcome> entry)
    {
        var outcome = await entry;
        if (outcome == AdmissionOutcome.Admitted)
        {
            await DecideAsync(http);
            return;
        }

        Shed(http, _admission!, outcome);
    }

    private void Shed(HttpContext http, AdmissionControl admission, AdmissionOutcome outcome)
    {
        var problem = AdmissionControl.ProblemFor(outcome);
        if (problem.Status != StatusCodes.Status400BadRequest)
        {
            http.Response.Headers.RetryAfter = admission.RetryAfter;
        }

        Refuse(http, problem, admission.DetailFor(outcome), admission.FieldFor(outcome));
    }

    private async Task DecideAsync(HttpContext http)
    {
        var start = Stopwatch.GetTimestamp();
        var engine = _packs.Engine;
        var buffers = _buffers.Rent();
        DecisionContext? context = null;
        var body = default(BodyRead);
        var holdsSlot = _admission is not null;
        try
        {
            body = await BodyReader.ReadAsync(http.Request.BodyReader, http.Request.ContentLength, _maxBytes);
            if (body.TooLarge)
            {
                RefuseWith(http, buffers, ProblemCatalog.BodyTooLarge, _tooLargeDetail, "$", -1);
                return;
            }

            context = engine.Rent();
            if (!engine.Decide(body.Span, context))
            {
                var error = context.Error;
                RefuseWith(http, buffers, ProblemCatalog.For(error), error.Message, error.Field, error.BytePosition);
                return;
            }

            var sequence = -1L;
            var audit = _log.Audit;
            if (audit is not null)
            {
                DecisionJsonWriter.WriteAuditRecord(context, body.Span, buffers.Record);
                var append = audit.AppendAsync(buffers.Record.WrittenSpan);

                // The record is the log's now (copied); the CPU stage is over. Free the slot before waiting for the disk.
                if (holdsSlot)
                {
                    holdsSlot = false;
                    _admission!.Release(start);
                }

                var ack = await append;
                if (!ack.IsAccepted)
                {
                    // Fail closed: a decision that is not in the log is not given. The log reports its own failure once.
                    http.Response.Headers.RetryAfter = RetryAfterSeconds;
                    RefuseWith(http, buffers, ProblemCatalog.AuditUnavailable, AuditProblemDetail(ack.Status), null, -1);
                    return;
                }

                sequence = ack.IsWritten ? (long)ack.Sequence : -1L;
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            DecisionJsonWriter.WriteResponse(context, buffers.Output, sequence, elapsed.Ticks / (double)TimeSpan.TicksPerMicrosecond);
            _metrics.Decided(context, elapsed.TotalSeconds);
            Responses.Write(http.Response, StatusCodes.Status200OK, MediaTypes.Json, buffers.Output.WrittenSpan);
        }
        catch (Exception e)
        {
            RequestFailure.Handle(http, buffers, e, "/v1/decisions", _logger, _metrics);
        }
        finally
        {
            if (context is not null)
            {
                engine.Return(context);
            }

            BodyReader.Return(body);
            _buffers.Return(buffers);
            if (holdsSlot)
            {
                _admission!.Release(start);
            }
        }
    }

    /// <summary>The Retry-After value of a 503.</summary>
    internal const string RetryAfterSeconds = "1";

    /// <summary>Why the log did not take a record, for the problem's detail.</summary>
    internal static string AuditProblemDetail(AuditAppendStatus status) => status switch
    {
        AuditAppendStatus.Rejected => "the decision log is saturated; retry shortly",
        AuditAppendStatus.Closed => "the service is shutting down; retry on another instance",
        _ => "the decision log cannot write (see the server log); nothing was decided",
    };

    private void Refuse(HttpContext http, ProblemType problem, string detail, string? field)
    {
        var buffers = _buffers.Rent();
        try
        {
            RefuseWith(http, buffers, problem, detail, field, -1);
        }
        finally
        {
            _buffers.Return(buffers);
        }
    }

    private void RefuseWith(HttpContext http, RequestBuffers buffers, ProblemType problem, string detail, string? field, long position)
    {
        _metrics.Rejected(problem.Reason);
        Responses.WriteProblem(http.Response, buffers, problem, detail, field, position);
    }
}
