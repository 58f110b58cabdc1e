using Jiangwanli.Engine.Rules;

namespace Jiangwanli.Engine.Tests.Rules;

public sealed class RuleCompilerAllocationTests
{
    /// <summary>Every kind of node: fused comparisons, lists, string functions, lower() (scratch), ternaries.</summary>
    internal static readonly string[] Conditions =
    [
        "amount > 1000.0 && user_txn_1h > 10",
        "ip in blocked_ips",
        "user in vip_users",
        "country in ['CN', 'HK', 'RU', 'KP', 'IR', 'SY', 'CU', 'VE', 'BY']",
        "country != 'CN' && amount >= 500",
        "lower(email).endsWith('@example.com')",
        "email.startsWith('admin') || email.contains('+')",
        "size(name) > 3 && !is_vip",
        "seen_at - created_at < 1h && user_amount_24h > 5000",
        "(amount > 100 ? 'big' : 'small') == 'big'",
        "device_users_24h >= 3 && has(device)",
        "abs(amount - user_amount_24h / max(user_txn_1h, 1)) > 200",
        "amount in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]",
        "lower(name) == 'zoë' || country + '-' + user == 'CN-alice'",
        "is_vip == false && min(amount, 10) == 10",
    ];

    [Fact]
    public void Predicate_Evaluated10000Times_AllocatesNothing()
    {
        var fixture = new RuleFixture();
        var predicates = Conditions.Select(fixture.Compile).ToArray();
        var context = fixture.NewContext()
            .Text(fixture, "user", "alice").Text(fixture, "ip", "10.1.2.3").Text(fixture, "device", "d1")
            .Number(fixture, "amount", 1500).Text(fixture, "country", "DE").Text(fixture, "email", "Admin+x@Example.com")
            .Text(fixture, "name", "ZOË").Flag(fixture, "is_vip", false)
            .Number(fixture, "created_at", 1_700_000_000_000).Number(fixture, "seen_at", 1_700_000_100_000)
            .Feature(fixture, "user_txn_1h", 12).Feature(fixture, "user_amount_24h", 6000).Feature(fixture, "device_users_24h", 4);

        var matched = 0;
        for (var i = 0; i < 1000; i++)
        {
            matched += EvaluateAll(predicates, context);
        }

        var allocated = SteadyStateAllocation.Measure(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                matched += EvaluateAll(predicates, context);
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(matched > 0);
    }

    private static int EvaluateAll(RulePredicate[] predicates, Engine.Events.DecisionContext context)
    {
        context.ScratchLength = 0; // what the per-decision reset does
        var matched = 0;
        foreach (var predicate in predicates)
        {
            if (predicate(context))
            {
                matched++;
            }
        }

        return matched;
    }
}
