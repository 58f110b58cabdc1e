using System.Buffers;
using System.Text;
using System.Text.Json;
using Jiangwanli.Engine.Decisions;

namespace Jiangwanli.Engine.Tests.Decisions;

/// <summary>
/// Hand-written events through the default pack (rules/default.yaml), with the decision and reasons a risk
/// analyst expects. Each case runs on a fresh engine so windows start empty; events in a case share it.
/// </summary>
public class DefaultPackGoldenTests
{
    private const long T0 = 1_764_115_200_000; // 2025-11-26T00:00:00Z

    private static string Event(string user, double amount, long ts, string extra = "")
        => $$"""{"id":"e-{{ts}}","timestamp":{{ts}},"user":"{{user}}","amount":{{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"country":"US","card_country":"US","is_3ds":true{{extra}}}""";

    private static (Decision Decision, int Score, string[] Rules) Decide(DecisionEngine engine, string json)
    {
        var ctx = engine.Rent();
        try
        {
            Assert.True(engine.Decide(Encoding.UTF8.GetBytes(json), ctx), ctx.Error.ToString());
            var rules = new List<string>();
            foreach (var i in ctx.MatchedRuleIndexes)
            {
                rules.Add(ctx.Pack.Rules[i].Id);
            }

            return (ctx.Decision, ctx.Score, [.. rules]);
        }
        finally
        {
            engine.Return(ctx);
        }
    }

    private static DecisionEngine NewEngine() => TestPacks.Engine(TestPacks.Default());

    [Fact]
    public void Decide_OrdinaryPayment_Allows()
    {
        var r = Decide(NewEngine(), Event("u1", 42.5, T0, ""","device":"d1","ip":"10.0.0.1","card":"c1","email":"u1@example.com" """));

        Assert.Equal((Decision.Allow, 0), (r.Decision, r.Score));
        Assert.Empty(r.Rules);
    }

    [Theory]
    [InlineData(""","ip":"203.0.113.77" """, "blocked_ip")]
    [InlineData(""","ip":"2001:db8:dead:1::5" """, "blocked_ip")]
    [InlineData(""","ip":"198.51.100.7" """, "blocked_ip")]
    [InlineData(""","card":"card_tok_stolen_0002" """, "blocked_card")]
    public void Decide_BlockListHit_Denies(string extra, string rule)
    {
        var r = Decide(NewEngine(), Event("u1", 10, T0, extra));

        Assert.Equal(Decision.Deny, r.Decision);
        Assert.Equal([rule], r.Rules);
    }

    [Fact]
    public void Decide_IpOutsideBlockedRange_Allows()
    {
        var r = Decide(NewEngine(), Event("u1", 10, T0, ""","ip":"203.0.114.1" """));
        Assert.Equal(Decision.Allow, r.Decision);
    }

    [Fact]
    public void Decide_SanctionedCardCountry_Denies()
    {
        var json = Event("u1", 10, T0).Replace("\"card_country\":\"US\"", "\"card_country\":\"KP\"", StringComparison.Ordinal);
        var r = Decide(NewEngine(), json);

        Assert.Equal(Decision.Deny, r.Decision);
        Assert.Equal(["sanctioned_country"], r.Rules);
    }

    [Fact]
    public void Decide_SixthPaymentInAMinute_GoesToReview()
    {
        var engine = NewEngine();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Decision.Allow, Decide(engine, Event("u2", 20, T0 + (i * 1000))).Decision);
        }

        var r = Decide(engine, Event("u2", 20, T0 + 5000));

        Assert.Equal((Decision.Review, 50), (r.Decision, r.Score));
        Assert.Equal(["user_burst_1m"], r.Rules);
    }

    [Fact]
    public void Decide_BurstOutsideTheMinute_IsNotCounted()
    {
        var engine = NewEngine();
        for (var i = 0; i < 5; i++)
        {
            Decide(engine, Event("u3", 20, T0 + (i * 1000)));
        }

        // Two minutes later the 1-minute window has emptied.
        var r = Decide(engine, Event("u3", 20, T0 + 125_000));
        Assert.DoesNotContain("user_burst_1m", r.Rules);
    }

    [Fact]
    public void Decide_CardSharedByThreeUsersWithSmallAmounts_Denies()
    {
        var engine = NewEngine();
        var r = (Decision: Decision.Allow, Score: 0, Rules: Array.Empty<string>());
        for (var i = 0; i < 11; i++)
        {
            r = Decide(engine, Event($"tester{i % 3}", 1.25, T0 + (i * 10_000), ""","card":"c-shared" """));
        }

        // 11 payments on the card in an hour below 5.00 (card_testing 60) by 3 users (shared_card 40).
        Assert.Equal(Decision.Deny, r.Decision);
        Assert.Equal(100, r.Score);
        Assert.Equal(["card_testing", "shared_card"], r.Rules);
    }

    [Fact]
    public void Decide_DeviceUsedByFiveUsers_Reviews()
    {
        var engine = NewEngine();
        var r = (Decision: Decision.Allow, Score: 0, Rules: Array.Empty<string>());
        for (var i = 0; i < 5; i++)
        {
            r = Decide(engine, Event($"farm{i}", 30, T0 + (i * 60_000), ""","device":"dev-farm" """));
        }

        Assert.Equal((Decision.Allow, 45), (r.Decision, r.Score));
        Assert.Equal(["device_farm"], r.Rules);
    }

    [Fact]
    public void Decide_CountryMismatchWithout3dsHighValue_AddsBothScores()
    {
        var json = Event("u4", 2500, T0).Replace("\"card_country\":\"US\"", "\"card_country\":\"GB\"", StringComparison.Ordinal)
            .Replace("\"is_3ds\":true", "\"is_3ds\":false", StringComparison.Ordinal);
        var r = Decide(NewEngine(), json);

        Assert.Equal((Decision.Allow, 40), (r.Decision, r.Score));
        Assert.Equal(["country_mismatch", "no_3ds_high_value"], r.Rules);
    }

    [Fact]
    public void Decide_LargePaymentFromDayOldAccount_Scores()
    {
        var r = Decide(NewEngine(), Event("u5", 1500, T0, $$""","account_created":{{T0 - 3_600_000}}"""));

        Assert.Equal(["new_account_large"], r.Rules);
        Assert.Equal(30, r.Score);
    }

    [Fact]
    public void Decide_OldAccount_DoesNotScore()
    {
        var r = Decide(NewEngine(), Event("u5", 1500, T0, ""","account_created":"2024-01-01T00:00:00Z" """));
        Assert.Empty(r.Rules);
    }

    [Fact]
    public void Decide_DisposableEmailAnyCase_Scores()
    {
        var r = Decide(NewEngine(), Event("u6", 10, T0, ""","email":"Someone@MailInator.com" """));

        Assert.Equal((Decision.Allow, 15), (r.Decision, r.Score));
        Assert.Equal(["disposable_email"], r.Rules);
    }

    [Fact]
    public void Decide_TrustedUserOverScore_Allows()
    {
        var engine = NewEngine();
        var r = (Decision: Decision.Allow, Score: 0, Rules: Array.Empty<string>());
        for (var i = 0; i < 6; i++)
        {
            r = Decide(engine, Event("u_trusted_ops", 20, T0 + (i * 1000)));
        }

        Assert.Equal(Decision.Allow, r.Decision);
        Assert.Equal(50, r.Score);
        Assert.Equal(["user_burst_1m", "trusted_user"], r.Rules);
    }

    [Fact]
    public void Decide_TrustedUserOnBlockedIp_StillDenies()
    {
        var r = Decide(NewEngine(), Event("u_trusted_ops", 20, T0, ""","ip":"203.0.113.1" """));

        Assert.Equal(Decision.Deny, r.Decision);
        Assert.Equal(["blocked_ip", "trusted_user"], r.Rules);
    }

    [Fact]
    public void Decide_DailySpendOverLimit_Scores()
    {
        var engine = NewEngine();
        var r = (Decision: Decision.Allow, Score: 0, Rules: Array.Empty<string>());
        for (var i = 0; i < 3; i++)
        {
            r = Decide(engine, Event("u7", 4000, T0 + (i * 3_600_000L * 5)));
        }

        Assert.Equal(["user_spend_24h"], r.Rules);
    }

    [Fact]
    public void WriteResponse_DecidedEvent_IsTheDocumentedShape()
    {
        var engine = NewEngine();
        var ctx = engine.Rent();
        Assert.True(engine.Decide(Encoding.UTF8.GetBytes(Event("u8", 10, T0, ""","ip":"203.0.113.9" """)), ctx));
        var buffer = new ArrayBufferWriter<byte>();
        DecisionJsonWriter.WriteResponse(ctx, buffer, 7, 12.34);

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        var root = doc.RootElement;
        Assert.Equal($"e-{T0}", root.GetProperty("id").GetString());
        Assert.Equal(7, root.GetProperty("seq").GetInt64());
        Assert.Equal("deny", root.GetProperty("decision").GetString());
        Assert.Equal("blocked_ip", root.GetProperty("reasons")[0].GetProperty("rule").GetString());
        Assert.Equal("IP address is on the block list", root.GetProperty("reasons")[0].GetProperty("reason").GetString());
        Assert.Equal(1, root.GetProperty("features").GetProperty("user_txn_1h").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("features").GetProperty("device_users_24h").ValueKind);
        Assert.Equal("2026.11.26-1", root.GetProperty("pack").GetString());
        Assert.Equal(12.3, root.GetProperty("latency_us").GetDouble());

        buffer.Clear();
        var eventJson = Encoding.UTF8.GetBytes(Event("u8", 10, T0));
        DecisionJsonWriter.WriteAuditRecord(ctx, eventJson, buffer);
        using var audit = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(T0, audit.RootElement.GetProperty("ts").GetInt64());
        Assert.Equal("u8", audit.RootElement.GetProperty("event").GetProperty("user").GetString());
        Assert.Equal("blocked_ip", audit.RootElement.GetProperty("rules")[0].GetString());
        engine.Return(ctx);
    }

    [Fact]
    public void WriteBoth_ContextReusedForAnotherEvent_CarriesThatEventsFeaturesInBothDocuments()
    {
        // The features object is formatted once per decision and reused by the second document: a reused context
        // must never show the previous decision's values.
        var engine = NewEngine();
        var ctx = engine.Rent();
        var buffer = new ArrayBufferWriter<byte>();
        var seen = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var json = Encoding.UTF8.GetBytes(Event("u9", 10 + i, T0 + i));
            Assert.True(engine.Decide(json, ctx));
            buffer.Clear();
            DecisionJsonWriter.WriteAuditRecord(ctx, json, buffer);
            using var audit = JsonDocument.Parse(buffer.WrittenMemory);
            var auditFeatures = audit.RootElement.GetProperty("features").GetRawText();
            buffer.Clear();
            DecisionJsonWriter.WriteResponse(ctx, buffer, i, 1);
            using var response = JsonDocument.Parse(buffer.WrittenMemory);
            var features = response.RootElement.GetProperty("features");
            Assert.Equal(auditFeatures, features.GetRawText());
            Assert.Equal(i + 1, features.GetProperty("user_txn_1h").GetDouble());
            seen.Add(auditFeatures);
        }

        Assert.Equal(3, seen.Distinct().Count());
        engine.Return(ctx);
    }
}
