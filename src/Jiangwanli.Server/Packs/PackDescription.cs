using System.Globalization;
using System.Text.Json;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Packs;

namespace Jiangwanli.Server.Packs;

/// <summary>
/// Writes the active pack for <c>GET /v1/pack</c>: version, thresholds, rules, features, schema and lists (names,
/// types and sizes — never entries, which may be sensitive).
/// </summary>
/// <remarks>
/// Shape:
/// <code>
/// {"version":"2026.11.26-1","decision":{"review_at":50,"deny_at":80},
///  "rules":[{"id":"blocked_ip","when":"ip in blocked_ips","action":"deny","score":0,"reason":"...","line":38}],
///  "features":[{"name":"user_txn_1h","aggregate":"count","of":null,"by":"user","window":"1h"}],
///  "schema":[{"name":"user","type":"string","entity":true,"required":true}],
///  "lists":[{"name":"blocked_ips","type":"ip","count":3}]}
/// </code>
/// </remarks>
internal static class PackDescription
{
    public static void Write(Utf8JsonWriter w, RulePack pack)
    {
        w.WriteStartObject();
        w.WriteString("version", pack.Version);
        w.WriteStartObject("decision");
        w.WriteNumber("review_at", pack.ReviewAt);
        w.WriteNumber("deny_at", pack.DenyAt);
        w.WriteEndObject();

        w.WriteStartArray("rules");
        foreach (var rule in pack.Rules)
        {
            w.WriteStartObject();
            w.WriteString("id", rule.Id);
            w.WriteString("when", rule.Condition);
            w.WriteString("action", ActionName(rule.Action));
            w.WriteNumber("score", rule.Score);
            w.WriteString("reason", rule.Reason ?? rule.Id);
            w.WriteNumber("line", rule.Line);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("features");
        foreach (var feature in pack.Features)
        {
            w.WriteStartObject();
            w.WriteString("name", feature.Name);
            w.WriteString("aggregate", AggregateName(feature.Kind));
            if (feature.Of is { } of)
            {
                w.WriteString("of", of.Name);
            }
            else
            {
                w.WriteNull("of");
            }

            w.WriteString("by", feature.By.Name);
            w.WriteString("window", FormatWindow(feature.Window));
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("schema");
        foreach (var field in pack.Schema.Fields)
        {
            w.WriteStartObject();
            w.WriteString("name", field.Name);
            w.WriteString("type", field.Type.ToString().ToLowerInvariant());
            w.WriteBoolean("entity", field.IsEntity);
            w.WriteBoolean("required", field.IsRequired);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("lists");
        foreach (var list in pack.Lists.Values.OrderBy(static l => l.Name, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("name", list.Name);
            w.WriteString("type", PackHost.KindName(list.Kind));
            w.WriteNumber("count", list.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>The pack-file name of an action (<c>none</c> when the rule only scores).</summary>
    public static string ActionName(RuleAction action) => action switch
    {
        RuleAction.Allow => "allow",
        RuleAction.Review => "review",
        RuleAction.Deny => "deny",
        _ => "none",
    };

    /// <summary>The pack-file name of an aggregate.</summary>
    public static string AggregateName(FeatureKind kind) => kind switch
    {
        FeatureKind.Count => "count",
        FeatureKind.Sum => "sum",
        FeatureKind.Min => "min",
        FeatureKind.Max => "max",
        FeatureKind.Avg => "avg",
        _ => "distinct",
    };

    /// <summary>A window in the pack's own notation: the largest unit that divides it (<c>1h</c>, <c>90s</c>, <c>250ms</c>).</summary>
    public static string FormatWindow(TimeSpan window)
    {
        var ms = (long)window.TotalMilliseconds;
        var units = new (long Ms, string Suffix)[] { (86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s") };
        foreach (var (unit, suffix) in units)
        {
            if (ms >= unit && ms % unit == 0)
            {
                return (ms / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
