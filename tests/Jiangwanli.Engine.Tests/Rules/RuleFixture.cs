using System.Text;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Rules;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Tests.Rules;

/// <summary>A small payments-like environment: fields of every type, three features and two lists.</summary>
internal sealed class RuleFixture
{
    public RuleFixture()
    {
        Schema = new EventSchema(
        [
            ("user", FieldType.String, true, null),
            ("device", FieldType.String, true, false),
            ("ip", FieldType.String, true, false),
            ("amount", FieldType.Number, false, null),
            ("country", FieldType.String, false, null),
            ("email", FieldType.String, false, null),
            ("name", FieldType.String, false, null),
            ("is_vip", FieldType.Bool, false, null),
            ("created_at", FieldType.Timestamp, false, null),
            ("seen_at", FieldType.Timestamp, false, null),
            ("tries", FieldType.Number, false, null),
        ]);
        Features = new Dictionary<string, FeatureDefinition>
        {
            ["user_txn_1h"] = new("user_txn_1h", 0, FeatureKind.Count, Field("user"), null, TimeSpan.FromHours(1)),
            ["user_amount_24h"] = new("user_amount_24h", 1, FeatureKind.Sum, Field("user"), Field("amount"), TimeSpan.FromHours(24)),
            ["device_users_24h"] = new("device_users_24h", 2, FeatureKind.Distinct, Field("device"), Field("user"), TimeSpan.FromHours(24)),
        };
        BlockedIps = new NamedList("blocked_ips", ListKind.Ip, ["10.0.0.0/8", "192.0.2.7"]);
        VipUsers = new NamedList("vip_users", ListKind.String, ["alice", "bob", "Zoë"]);
        Lists = new Dictionary<string, NamedList> { ["blocked_ips"] = BlockedIps, ["vip_users"] = VipUsers };
        Environment = new RuleEnvironment(Schema, Features, Lists);
    }

    public EventSchema Schema { get; }

    public Dictionary<string, FeatureDefinition> Features { get; }

    public Dictionary<string, NamedList> Lists { get; }

    public NamedList BlockedIps { get; }

    public NamedList VipUsers { get; }

    public RuleEnvironment Environment { get; }

    public SchemaField Field(string name) => Schema.TryGetField(name, out var field) ? field : throw new ArgumentException(name);

    public DecisionContext NewContext() => new(Schema, Features.Count, 4);

    /// <summary>Compiles or fails the test with the diagnostics.</summary>
    public RulePredicate Compile(string source)
    {
        var diagnostics = new List<RuleDiagnostic>();
        var predicate = RuleCompiler.Compile("r1", source, Environment, 1, 1, diagnostics);
        Assert.True(predicate is not null, $"'{source}' did not compile: {string.Join("; ", diagnostics)}");
        return predicate!;
    }

    /// <summary>Compiles and expects errors; returns them.</summary>
    public List<RuleDiagnostic> Errors(string source, string ruleId = "r1", int baseLine = 1, int baseColumn = 1)
    {
        var diagnostics = new List<RuleDiagnostic>();
        var predicate = RuleCompiler.Compile(ruleId, source, Environment, baseLine, baseColumn, diagnostics);
        Assert.Null(predicate);
        Assert.NotEmpty(diagnostics);
        return diagnostics;
    }
}

/// <summary>Fills a context the way the event reader would.</summary>
internal static class ContextFilling
{
    public static DecisionContext Number(this DecisionContext context, RuleFixture fixture, string name, double value)
    {
        var field = fixture.Field(name);
        context.Present[field.Index] = true;
        context.Numbers[field.Slot] = value;
        return context;
    }

    public static DecisionContext Text(this DecisionContext context, RuleFixture fixture, string name, string value)
    {
        var field = fixture.Field(name);
        var bytes = Encoding.UTF8.GetBytes(value);
        context.Present[field.Index] = true;
        context.StringOffsets[field.Slot] = context.AppendText(bytes);
        context.StringLengths[field.Slot] = bytes.Length;
        return context;
    }

    public static DecisionContext Flag(this DecisionContext context, RuleFixture fixture, string name, bool value)
    {
        var field = fixture.Field(name);
        context.Present[field.Index] = true;
        context.Bools[field.Slot] = value;
        return context;
    }

    public static DecisionContext Feature(this DecisionContext context, RuleFixture fixture, string name, double value)
    {
        context.SetFeature(fixture.Features[name].Index, value);
        return context;
    }
}
