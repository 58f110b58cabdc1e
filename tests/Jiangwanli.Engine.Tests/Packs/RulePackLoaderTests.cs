using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Tests.Packs;

public class RulePackLoaderTests
{
    private const string Minimal = """
        version: t1
        schema:
          user: { type: string, entity: true }
          amount: { type: number }
        features:
          user_txn_1h: { count: event, by: user, window: 1h }
        lists:
          vip: { type: string, items: [a, b] }
        rules:
          - id: big
            when: amount > 100.0
            score: 60
        decision: { review_at: 50, deny_at: 80 }
        """;

    [Fact]
    public void LoadFile_DefaultPack_LoadsEverySection()
    {
        var pack = TestPacks.Default();

        Assert.Equal("2026.11.26-1", pack.Version);
        Assert.True(pack.Rules.Count >= 15, $"default pack has {pack.Rules.Count} rules");
        Assert.True(pack.Features.Count >= 6);
        Assert.Contains(pack.Features, f => f.Kind == FeatureKind.Distinct);
        Assert.Contains(pack.Features, f => f.Kind == FeatureKind.Sum);
        Assert.Contains(pack.Features, f => f.Window == TimeSpan.FromMinutes(1));
        Assert.Contains(pack.Features, f => f.Window == TimeSpan.FromHours(1));
        Assert.Contains(pack.Features, f => f.Window == TimeSpan.FromHours(24));
        foreach (var by in new[] { "user", "device", "ip", "card" })
        {
            Assert.Contains(pack.Features, f => f.By.Name == by);
        }

        Assert.Equal(ListKind.Ip, pack.Lists["blocked_ips"].Kind);
        Assert.True(pack.Lists["blocked_ips"].Count >= 3);
        Assert.True(pack.Schema.TryGetField("user", out var user) && user.IsEntity && user.IsRequired);
        Assert.True(pack.Schema.TryGetField("device", out var device) && device.IsEntity && !device.IsRequired);
    }

    [Fact]
    public void Load_MinimalPack_CompilesRulesAndThresholds()
    {
        var pack = TestPacks.Load(Minimal);

        Assert.Equal("t1", pack.Version);
        Assert.Equal(50, pack.ReviewAt);
        Assert.Equal(80, pack.DenyAt);
        var rule = Assert.Single(pack.Rules);
        Assert.Equal("big", rule.Id);
        Assert.Equal(60, rule.Score);
        Assert.Equal(FieldType.Number, pack.Schema.Fields[1].Type);
    }

    [Theory]
    [InlineData("amount: { type: money }", "type must be string, number, bool or timestamp", 4)]
    [InlineData("amount: { type: number, colour: red }", "unknown key 'colour'", 4)]
    [InlineData("id: { type: string }", "'id' is reserved", 4)]
    public void Load_BadSchemaField_ReportsLine(string fieldLine, string expected, int line)
    {
        var yaml = Minimal.Replace("amount: { type: number }", fieldLine, StringComparison.Ordinal);
        var result = RulePackLoader.Load(yaml);

        Assert.False(result.Success);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
        Assert.Equal(line, error.Line);
    }

    [Theory]
    [InlineData("{ count: event, by: amount, window: 1h }", "'by' must name an entity field")]
    [InlineData("{ sum: user, by: user, window: 1h }", "sum needs a number field")]
    [InlineData("{ count: event, by: user, window: 1 hour }", "window must be a duration")]
    [InlineData("{ count: event, by: user, window: 0s }", "above 0")]
    [InlineData("{ count: event, sum: amount, by: user, window: 1h }", "more than one aggregate")]
    [InlineData("{ by: user, window: 1h }", "needs one aggregate")]
    public void Load_BadFeature_ReportsLocatedError(string definition, string expected)
    {
        var yaml = Minimal.Replace("{ count: event, by: user, window: 1h }", definition, StringComparison.Ordinal);
        var result = RulePackLoader.Load(yaml);

        Assert.False(result.Success);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
        Assert.Equal(6, error.Line);
        Assert.Contains("user_txn_1h", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RuleTypeError_NamesRuleLineAndColumn()
    {
        var yaml = Minimal.Replace("when: amount > 100.0", "when: amount > \"x\"", StringComparison.Ordinal);
        var result = RulePackLoader.Load(yaml);

        Assert.False(result.Success);
        var error = Assert.Single(result.Errors);
        Assert.Equal("big", error.RuleId);
        Assert.Equal(11, error.Line);
        Assert.True(error.Column >= 11, error.ToString());
    }

    [Fact]
    public void Load_DuplicateRuleIdAndMissingCondition_ReportsBoth()
    {
        var yaml = Minimal + "\n  - id: big\n    score: 1\n";
        yaml = yaml.Replace("decision: { review_at: 50, deny_at: 80 }\n", string.Empty, StringComparison.Ordinal) + "decision: { review_at: 50, deny_at: 80 }\n";
        var result = RulePackLoader.Load(yaml);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Message.Contains("duplicate rule id 'big'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ReviewAboveDeny_IsRefused()
    {
        var yaml = Minimal.Replace("review_at: 50, deny_at: 80", "review_at: 90, deny_at: 80", StringComparison.Ordinal);
        var result = RulePackLoader.Load(yaml);

        Assert.Contains(result.Errors, e => e.Message.Contains("must not be above deny_at", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadCidrInList_NamesList()
    {
        var yaml = Minimal.Replace("vip: { type: string, items: [a, b] }", "vip: { type: ip, items: [10.0.0.0/8, 300.1.1.1/33] }", StringComparison.Ordinal);
        var result = RulePackLoader.Load(yaml);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Message.Contains("list 'vip'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_InvalidYaml_ReportsPosition()
    {
        var result = RulePackLoader.Load("version: 1\nschema: { user: [\n");

        Assert.False(result.Success);
        Assert.True(result.Errors[0].Line >= 2, result.Errors[0].ToString());
    }

    [Fact]
    public void Load_EveryTruncationOfDefaultPack_GivesPackOrLocatedErrors()
    {
        var text = File.ReadAllText(TestPacks.DefaultPackPath);
        var baseDir = Path.GetDirectoryName(TestPacks.DefaultPackPath);
        for (var cut = 0; cut < text.Length; cut++)
        {
            var result = RulePackLoader.Load(text[..cut], baseDir);
            AssertLocated(result, cut);
        }
    }

    [Fact]
    public void Load_RandomMutationsOfDefaultPack_GiveOnlyLocatedErrors()
    {
        var text = File.ReadAllText(TestPacks.DefaultPackPath);
        var baseDir = Path.GetDirectoryName(TestPacks.DefaultPackPath);
        var random = new Random(20261126);
        const string Alphabet = "{}[]:,-#'\"\\ \n\tab01.&|!<>=()?%*/+@\u00e9\u4e2d";
        for (var i = 0; i < 600; i++)
        {
            var chars = text.ToCharArray();
            var edits = 1 + random.Next(4);
            for (var e = 0; e < edits; e++)
            {
                chars[random.Next(chars.Length)] = Alphabet[random.Next(Alphabet.Length)];
            }

            var result = RulePackLoader.Load(new string(chars), baseDir);
            AssertLocated(result, i);
        }
    }

    private static void AssertLocated(RulePackLoadResult result, int attempt)
    {
        if (result.Success)
        {
            return;
        }

        Assert.NotEmpty(result.Errors);
        foreach (var e in result.Errors)
        {
            Assert.True(e.Line >= 1 && e.Column >= 1, $"attempt {attempt}: unlocated error {e}");
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"attempt {attempt}: empty message");
        }
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("7d", 604_800_000)]
    [InlineData("250ms", 250)]
    public void TryParseDuration_Units_Parse(string text, long ms)
    {
        Assert.True(RulePackLoader.TryParseDuration(text, out var value));
        Assert.Equal(ms, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("1w")]
    [InlineData("-1h")]
    [InlineData("1.5h")]
    public void TryParseDuration_Garbage_Fails(string text)
        => Assert.False(RulePackLoader.TryParseDuration(text, out _));
}
