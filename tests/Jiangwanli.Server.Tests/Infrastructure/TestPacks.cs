namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>The repository's default pack (copied next to the tests) and small packs for tests.</summary>
internal static class TestPacks
{
    public static string DefaultPackPath => Path.Combine(AppContext.BaseDirectory, "rules", "default.yaml");

    /// <summary>A small pack with a version of choice: one block list, one velocity rule.</summary>
    public static string Small(string version) => $$"""
        version: {{version}}
        schema:
          user:   { type: string, entity: true }
          ip:     { type: string, entity: true, required: false }
          amount: { type: number, required: true }
        features:
          user_txn_1h: { count: event, by: user, window: 1h }
        lists:
          blocked_ips: { type: ip, items: [203.0.113.9] }
        rules:
          - id: blocked_ip
            when: ip in blocked_ips
            action: deny
            reason: IP address is on the block list
          - id: burst
            when: user_txn_1h > 3
            score: 60
            reason: many payments
        decision: { review_at: 50, deny_at: 80 }
        """;
}
