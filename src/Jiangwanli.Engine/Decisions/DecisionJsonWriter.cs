using System.Buffers;
using System.Text.Json;
using Jiangwanli.Engine.Events;

namespace Jiangwanli.Engine.Decisions;

/// <summary>
/// Writes a decided context as JSON — the API response and the audit record — with a
/// <see cref="Utf8JsonWriter"/> cached in the context, so nothing is allocated per decision.
/// </summary>
/// <remarks>
/// Response shape:
/// <code>
/// {"id":"evt-1","seq":42,"decision":"deny","score":40,
///  "reasons":[{"rule":"burst","reason":"many payments in an hour"}],
///  "features":{"user_txn_1h":11,"device_users_24h":null},"pack":"2026.11.26-1","latency_us":3.1}
/// </code>
/// Audit record payload (one per decision; enough to replay it):
/// <code>
/// {"ts":1764150000000,"pack":"2026.11.26-1","decision":"deny","score":40,"rules":["burst"],
///  "features":{"user_txn_1h":11},"event":{...the event exactly as received...}}
/// </code>
/// </remarks>
public static class DecisionJsonWriter
{
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText s_seq = JsonEncodedText.Encode("seq");
    private static readonly JsonEncodedText s_decision = JsonEncodedText.Encode("decision");
    private static readonly JsonEncodedText s_score = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText s_reasons = JsonEncodedText.Encode("reasons");
    private static readonly JsonEncodedText s_rule = JsonEncodedText.Encode("rule");
    private static readonly JsonEncodedText s_reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText s_rules = JsonEncodedText.Encode("rules");
    private static readonly JsonEncodedText s_features = JsonEncodedText.Encode("features");
    private static readonly JsonEncodedText s_pack = JsonEncodedText.Encode("pack");
    private static readonly JsonEncodedText s_latency = JsonEncodedText.Encode("latency_us");
    private static readonly JsonEncodedText s_ts = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText s_event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText s_allow = JsonEncodedText.Encode("allow");
    private static readonly JsonEncodedText s_review = JsonEncodedText.Encode("review");
    private static readonly JsonEncodedText s_deny = JsonEncodedText.Encode("deny");

    /// <summary>The JSON name of a decision.</summary>
    public static JsonEncodedText Name(Decision decision) => decision switch
    {
        Decision.Deny => s_deny,
        Decision.Review => s_review,
        _ => s_allow,
    };

    /// <summary>Writes the API response for a decided context.</summary>
    /// <param name="context">A context after a successful <see cref="DecisionEngine.Decide"/>.</param>
    /// <param name="output">Where the JSON goes.</param>
    /// <param name="sequence">The audit sequence number, or a negative number when there is none.</param>
    /// <param name="latencyMicros">Latency to report (the engine's own evaluation time when the host has no better figure).</param>
    public static void WriteResponse(DecisionContext context, IBufferWriter<byte> output, long sequence, double latencyMicros)
    {
        ArgumentNullException.ThrowIfNull(context);
        var w = Writer(context, output);
        w.WriteStartObject();
        WriteId(w, context);
        if (sequence >= 0)
        {
            w.WriteNumber(s_seq, sequence);
        }

        w.WriteString(s_decision, Name(context.Decision));
        w.WriteNumber(s_score, context.Score);
        w.WriteStartArray(s_reasons);
        var rules = context.Pack.RuleArray;
        foreach (var index in context.MatchedRuleIndexes)
        {
            var rule = rules[index];
            w.WriteStartObject();
            w.WriteString(s_rule, rule.JsonId);
            w.WriteString(s_reason, rule.JsonReason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteFeatures(w, context);
        w.WriteString(s_pack, context.Pack.JsonVersion);
        w.WriteNumber(s_latency, Math.Round(latencyMicros, 1));
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Writes the audit record payload for a decided context and the event bytes it was decided from.</summary>
    public static void WriteAuditRecord(DecisionContext context, ReadOnlySpan<byte> eventJson, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(context);
        var w = Writer(context, output);
        w.WriteStartObject();
        w.WriteNumber(s_ts, context.TimestampMs);
        w.WriteString(s_pack, context.Pack.JsonVersion);
        WriteId(w, context);
        w.WriteString(s_decision, Name(context.Decision));
        w.WriteNumber(s_score, context.Score);
        w.WriteStartArray(s_rules);
        var rules = context.Pack.RuleArray;
        foreach (var index in context.MatchedRuleIndexes)
        {
            w.WriteStringValue(rules[index].JsonId);
        }

        w.WriteEndArray();
        WriteFeatures(w, context);
        w.WritePropertyName(s_event);

        // The reader has already checked the event is one well-formed JSON object.
        w.WriteRawValue(eventJson, skipInputValidation: true);
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteId(Utf8JsonWriter w, DecisionContext context)
    {
        if (context.IdLength > 0)
        {
            w.WriteString(s_id, context.Id);
        }
    }

    /// <summary>
    /// Writes the <c>features</c> object. Both documents of a decision carry the same object, so it is formatted once
    /// per decision into the context's <see cref="DecisionContext.FeatureJson"/> and copied as raw bytes after that:
    /// formatting nine numbers was ≈ 0.8 µs of each document under load (perf, docs/benchmarks.md, eighth session).
    /// </summary>
    private static void WriteFeatures(Utf8JsonWriter w, DecisionContext context)
    {
        var cached = context.FeatureJson ??= new ArrayBufferWriter<byte>(256);
        if (cached.WrittenCount == 0)
        {
            var f = Writer(ref context.FeatureJsonWriter, cached);
            f.WriteStartObject();
            var names = context.Pack.FeatureJsonNames;
            for (var i = 0; i < names.Length; i++)
            {
                if (context.HasFeature(i))
                {
                    WriteNumber(f, names[i], context.GetFeature(i));
                }
                else
                {
                    f.WriteNull(names[i]);
                }
            }

            f.WriteEndObject();
            f.Flush();
        }

        w.WritePropertyName(s_features);
        w.WriteRawValue(cached.WrittenSpan, skipInputValidation: true);
    }

    /// <summary>
    /// Writes a feature value. Most are whole numbers (counts, distinct counts, sums of whole amounts): those go
    /// through the integer formatter, which under load cost a fifth of the shortest-round-trip double formatter
    /// (<c>Number.FormatFloat</c> was 3 % of the server's CPU, written twice per decision). Below 10^15 both print the
    /// same digits ("12", never "12.0" or "1.2E+1"), so the output does not change; -0 keeps the double path ("-0").
    /// </summary>
    internal static void WriteNumber(Utf8JsonWriter w, JsonEncodedText name, double value)
    {
        const double Exact = 1e15;
        if (value > -Exact && value < Exact && value == Math.Truncate(value) && (value != 0 || !double.IsNegative(value)))
        {
            w.WriteNumber(name, (long)value);
        }
        else
        {
            w.WriteNumber(name, value);
        }
    }

    private static Utf8JsonWriter Writer(DecisionContext context, IBufferWriter<byte> output) => Writer(ref context.JsonWriter, output);

    /// <summary>The writer cached in <paramref name="slot"/> (created there on first use), reset onto <paramref name="output"/>.</summary>
    private static Utf8JsonWriter Writer(ref Utf8JsonWriter? slot, IBufferWriter<byte> output)
    {
        var w = slot;
        if (w is null)
        {
            // Relaxed escaping is not used: the default escaper keeps output safe to embed anywhere.
            w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
            slot = w;
        }
        else
        {
            w.Reset(output);
        }

        return w;
    }
}
