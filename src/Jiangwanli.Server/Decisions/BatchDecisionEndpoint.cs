using System.Buffers;
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
/// <c>POST /v1/decisions:batch</c>: a JSON array (application/json) or NDJSON (application/x-ndjson) of events in,
/// a JSON array out, one element per event in the same order. An event the engine refuses becomes a problem object
/// with its <c>index</c> in place of its decision; the others are decided. The framing itself being broken is a 400
/// for the whole batch (nothing decided).
/// </summary>
/// <remarks>
/// Events are decided in chunks of <see cref="ChunkSize"/>: every event of a chunk is decided and its record
/// appended, then the chunk's appends are awaited together, so one batch shares the audit log's group commits
/// instead of paying one flush per event. If the log fails, the whole batch is answered 503.
/// A batch holds one admission slot while it uses CPU: the slot is released once the last chunk's records have been
/// handed to the log, before they are awaited (earlier chunks' waits still hold it, because more CPU work follows
/// them). Exactly one release per admitted batch, on every path (<c>holdsSlot</c>).
/// </remarks>
internal sealed class BatchDecisionEndpoint
{
    /// <summary>Events decided before their audit appends are awaited together.</summary>
    public const int ChunkSize = 64;

    private readonly PackHost _packs;
    private readonly DecisionLog _log;
    private readonly JiangwanliMetrics _metrics;
    private readonly RequestBuffersPool _buffers;
    private readonly ILogger _logger;
    private readonly int _maxBytes;
    private readonly int _maxEvents;
    private readonly int _maxDepth;
    private readonly string _tooLargeDetail;
    private readonly string _tooManyDetail;
    private readonly AdmissionControl? _admission;

    public BatchDecisionEndpoint(
        PackHost packs,
        DecisionLog log,
        JiangwanliMetrics metrics,
        RequestBuffersPool buffers,
        ILogger<BatchDecisionEndpoint> logger,
        int maxBytes,
        int maxEvents,
        int maxDepth,
        AdmissionControl? admission = null)
    {
        _admission = admission;
        _packs = packs;
        _log = log;
        _metrics = metrics;
        _buffers = buffers;
        _logger = logger;
        _maxBytes = maxBytes;
        _maxEvents = maxEvents;
        _maxDepth = maxDepth;
        _tooLargeDetail = $"a batch may be at most {maxBytes} bytes (Jiangwanli:Limits:MaxBatchBytes)";
        _tooManyDetail = $"a batch may hold at most {maxEvents} events (Jiangwanli:Limits:MaxBatchEvents)";
    }

    /// <summary>The request delegate.</summary>
    public Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var format = MediaTypes.Classify(request.ContentType);
        if (format == BodyFormat.Unsupported)
        {
            Refuse(http, ProblemCatalog.UnsupportedMediaType, "send a JSON array of events as application/json, or NDJSON as application/x-ndjson");
            return Task.CompletedTask;
        }

        if (request.ContentLength > _maxBytes)
        {
            Refuse(http, ProblemCatalog.BodyTooLarge, _tooLargeDetail);
            return Task.CompletedTask;
        }

        // Admission before the body is read: a refusal is answered at once. A batch takes one slot.
        if (_admission is not { } admission)
        {
            return DecideAsync(http, format);
        }

        var entry = admission.AcquireForAsync(request);
        if (!entry.IsCompletedSuccessfully)
        {
            return AdmitThenDecideAsync(http, format, entry);
        }

        var outcome = entry.Result;
        if (outcome == AdmissionOutcome.Admitted)
        {
            return DecideAsync(http, format);
        }

        Shed(http, admission, outcome);
        return Task.CompletedTask;
    }

    /// <summary>The slow path: the request waited in the admission queue.</summary>
    private async Task AdmitThenDecideAsync(HttpContext http, BodyFormat format, ValueTask<AdmissionOutcome> entry)
    {
        var outcome = await entry;
        if (outcome == AdmissionOutcome.Admitted)
        {
            await DecideAsync(http, format);
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

        Refuse(http, problem, admission.DetailFor(outcome), admission.FieldFor(outcome) ?? "$");
    }

    private async Task DecideAsync(HttpContext http, BodyFormat format)
    {
        var start = Stopwatch.GetTimestamp();
        var engine = _packs.Engine;
        var buffers = _buffers.Rent();
        var body = default(BodyRead);
        var contexts = ArrayPool<DecisionContext?>.Shared.Rent(ChunkSize);
        var acks = ArrayPool<ValueTask<AuditAck>>.Shared.Rent(ChunkSize);
        var pending = 0;
        var holdsSlot = _admission is not null;
        try
        {
            body = await BodyReader.ReadAsync(http.Request.BodyReader, http.Request.ContentLength, _maxBytes);
            if (body.TooLarge)
            {
                RefuseWith(http, buffers, ProblemCatalog.BodyTooLarge, _tooLargeDetail);
                return;
            }

            string? detail = null;
            var split = format == BodyFormat.NdJson
                ? BatchSplitter.SplitLines(body.Span, buffers, _maxEvents)
                : BatchSplitter.SplitArray(body.Span, buffers, _maxEvents, Math.Max(64, _maxDepth + 1), out detail);
            if (split == BatchSplitter.Outcome.TooMany)
            {
                RefuseWith(http, buffers, ProblemCatalog.TooManyEvents, _tooManyDetail);
                return;
            }

            if (split == BatchSplitter.Outcome.Malformed)
            {
                RefuseWith(http, buffers, ProblemCatalog.MalformedBatch, detail ?? "malformed batch");
                return;
            }

            var output = buffers.Output;
            output.Write("["u8);
            var count = buffers.EventCount;
            for (var chunk = 0; chunk < count; chunk += ChunkSize)
            {
                var n = Math.Min(ChunkSize, count - chunk);

                // Decide and append every event of the chunk; the appends complete together.
                var audit = _log.Audit;
                for (var j = 0; j < n; j++)
                {
                    var context = engine.Rent();
                    contexts[j] = context;
                    pending = j + 1;
                    var eventJson = body.Buffer.AsSpan(buffers.EventOffsets[chunk + j], buffers.EventLengths[chunk + j]);
                    acks[j] = default;
                    if (engine.Decide(eventJson, context) && audit is not null)
                    {
                        buffers.Record.ResetWrittenCount();
                        DecisionJsonWriter.WriteAuditRecord(context, eventJson, buffers.Record);
#pragma warning disable CA2012 // Each ValueTask is stored once and awaited exactly once below.
                        acks[j] = audit.AppendAsync(buffers.Record.WrittenSpan);
#pragma warning restore CA2012
                    }
                }

                // The last chunk's records are the log's now: no CPU work is left but writing the answer.
                if (holdsSlot && chunk + n >= count)
                {
                    holdsSlot = false;
                    _admission!.Release();
                }

                // Await every append (each exactly once, also after a refusal), then answer in order.
                var refused = AuditAppendStatus.Unknown;
                for (var j = 0; j < n; j++)
                {
                    var context = contexts[j]!;
                    var sequence = -1L;
                    if (audit is not null && !context.Error.IsError)
                    {
                        var ack = await acks[j];
                        if (!ack.IsAccepted)
                        {
                            refused = ack.Status;
                            continue;
                        }

                        sequence = ack.IsWritten ? (long)ack.Sequence : -1L;
                    }

                    if (refused == AuditAppendStatus.Unknown)
                    {
                        WriteItem(output, buffers, context, chunk + j, sequence, start);
                    }
                }

                if (refused != AuditAppendStatus.Unknown)
                {
                    ReturnContexts(engine, contexts, pending);
                    pending = 0;
                    http.Response.Headers.RetryAfter = DecisionEndpoint.RetryAfterSeconds;
                    RefuseWith(http, buffers, ProblemCatalog.AuditUnavailable, DecisionEndpoint.AuditProblemDetail(refused));
                    return;
                }

                ReturnContexts(engine, contexts, pending);
                pending = 0;
            }

            output.Write("]"u8);
            Responses.Write(http.Response, StatusCodes.Status200OK, MediaTypes.Json, output.WrittenSpan);
        }
        catch (Exception e)
        {
            RequestFailure.Handle(http, buffers, e, "/v1/decisions:batch", _logger, _metrics);
        }
        finally
        {
            ReturnContexts(engine, contexts, pending);
            ArrayPool<DecisionContext?>.Shared.Return(contexts, clearArray: true);
            ArrayPool<ValueTask<AuditAck>>.Shared.Return(acks, clearArray: true);
            BodyReader.Return(body);
            _buffers.Return(buffers);
            if (holdsSlot)
            {
                _admission!.Release();
            }
        }
    }

    private void WriteItem(ArrayBufferWriter<byte> output, RequestBuffers buffers, DecisionContext context, int index, long sequence, long start)
    {
        if (index > 0)
        {
            output.Write(","u8);
        }

        if (context.Error.IsError)
        {
            var error = context.Error;
            var problem = ProblemCatalog.For(error);
            _metrics.Rejected(problem.Reason);
            ProblemWriter.Write(buffers.JsonWriter(output), problem, error.Message, error.Field, error.BytePosition, index);
            return;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        DecisionJsonWriter.WriteResponse(context, output, sequence, elapsed.Ticks / (double)TimeSpan.TicksPerMicrosecond);
        _metrics.Decided(context, elapsed.TotalSeconds);
    }

    private static void ReturnContexts(DecisionEngine engine, DecisionContext?[] contexts, int count)
    {
        for (var j = 0; j < count; j++)
        {
            if (contexts[j] is { } context)
            {
                engine.Return(context);
                contexts[j] = null;
            }
        }
    }

    private void Refuse(HttpContext http, ProblemType problem, string detail, string field = "$")
    {
        var buffers = _buffers.Rent();
        try
        {
            RefuseWith(http, buffers, problem, detail, field);
        }
        finally
        {
            _buffers.Return(buffers);
        }
    }

    private void RefuseWith(HttpContext http, RequestBuffers buffers, ProblemType problem, string detail, string field = "$")
    {
        _metrics.Rejected(problem.Reason);
        Responses.WriteProblem(http.Response, buffers, problem, detail, field);
    }
}
