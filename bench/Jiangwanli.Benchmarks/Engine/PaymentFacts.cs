using System.Text;
using Jiangwanli.Engine.Events;
using RulesEngine.Models;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>
/// The inputs of the default pack as one typed object for Microsoft RulesEngine: event fields, precomputed
/// feature values (NaN when absent, so comparisons are false as in Jiangwanli) and list memberships.
/// </summary>
public sealed class PaymentFacts
{
    public double Amount { get; set; }
    public string? Country { get; set; }
    public string? CardCountry { get; set; }
    public string? Email { get; set; }
    public bool Has3ds { get; set; }
    public bool Is3ds { get; set; }
    public bool HasAccountCreated { get; set; }
    public double AccountCreated { get; set; }
    public double Timestamp { get; set; }
    public bool IpBlocked { get; set; }
    public bool CardBlocked { get; set; }
    public bool CountrySanctioned { get; set; }
    public bool CardCountrySanctioned { get; set; }
    public bool UserTrusted { get; set; }
    public double UserTxn1m { get; set; }
    public double UserTxn1h { get; set; }
    public double UserAmount24h { get; set; }
    public double UserMaxAmount24h { get; set; }
    public double CardTxn1h { get; set; }
    public double CardUsers24h { get; set; }
    public double DeviceUsers24h { get; set; }
    public double IpTxn1m { get; set; }
    public double IpUsers1h { get; set; }

    internal static PaymentFacts From(DecisionContext ctx)
    {
        var pack = ctx.Pack;
        string? Str(string name) => pack.Schema.TryGetField(name, out var f) && ctx.Has(f) ? Encoding.UTF8.GetString(ctx.GetString(f.Slot)) : null;
        double Num(string name) => pack.Schema.TryGetField(name, out var f) && ctx.Has(f) ? ctx.GetNumber(f.Slot) : double.NaN;
        double Feature(string name)
        {
            foreach (var f in pack.Features)
            {
                if (f.Name == name)
                {
                    return ctx.HasFeature(f.Index) ? ctx.GetFeature(f.Index) : double.NaN;
                }
            }

            throw new InvalidOperationException(name);
        }

        bool In(string list, string? value) => value is not null && pack.Lists[list].Contains(Encoding.UTF8.GetBytes(value));

        pack.Schema.TryGetField("is_3ds", out var threeDs);
        return new PaymentFacts
        {
            Amount = Num("amount"),
            Country = Str("country"),
            CardCountry = Str("card_country"),
            Email = Str("email"),
            Has3ds = ctx.Has(threeDs!),
            Is3ds = ctx.Has(threeDs!) && ctx.GetBool(threeDs!.Slot),
            HasAccountCreated = !double.IsNaN(Num("account_created")),
            AccountCreated = Num("account_created"),
            Timestamp = ctx.TimestampMs,
            IpBlocked = In("blocked_ips", Str("ip")),
            CardBlocked = In("blocked_cards", Str("card")),
            CountrySanctioned = In("high_risk_countries", Str("country")),
            CardCountrySanctioned = In("high_risk_countries", Str("card_country")),
            UserTrusted = In("trusted_users", Str("user")),
            UserTxn1m = Feature("user_txn_1m"),
            UserTxn1h = Feature("user_txn_1h"),
            UserAmount24h = Feature("user_amount_24h"),
            UserMaxAmount24h = Feature("user_max_amount_24h"),
            CardTxn1h = Feature("card_txn_1h"),
            CardUsers24h = Feature("card_users_24h"),
            DeviceUsers24h = Feature("device_users_24h"),
            IpTxn1m = Feature("ip_txn_1m"),
            IpUsers1h = Feature("ip_users_1h"),
        };
    }

    /// <summary>The default pack's rules, in the same order, as a RulesEngine workflow.</summary>
    internal static Workflow Workflow() => new()
    {
        WorkflowName = "default",
        Rules =
        [
            Rule("blocked_ip", "input1.IpBlocked"),
            Rule("blocked_card", "input1.CardBlocked"),
            Rule("sanctioned_country", "input1.CountrySanctioned || input1.CardCountrySanctioned"),
            Rule("user_burst_1m", "input1.UserTxn1m > 5"),
            Rule("user_velocity_1h", "input1.UserTxn1h > 20"),
            Rule("user_spend_24h", "input1.UserAmount24h > 10000.0"),
            Rule("amount_spike", "input1.UserTxn1h > 3 && input1.Amount > 5000.0 && input1.Amount >= input1.UserMaxAmount24h"),
            Rule("card_testing", "input1.CardTxn1h > 10 && input1.Amount < 5.0"),
            Rule("shared_card", "input1.CardUsers24h >= 3"),
            Rule("device_farm", "input1.DeviceUsers24h >= 5"),
            Rule("ip_flood", "input1.IpTxn1m > 30 || input1.IpUsers1h > 20"),
            Rule("country_mismatch", "input1.CardCountry != null && input1.Country != null && input1.CardCountry != input1.Country && input1.Amount > 500.0"),
            Rule("new_account_large", "input1.HasAccountCreated && input1.Timestamp - input1.AccountCreated < 86400000.0 && input1.Amount > 1000.0"),
            Rule("disposable_email", "input1.Email != null && (input1.Email.ToLower().EndsWith(\"@mailinator.com\") || input1.Email.ToLower().EndsWith(\"@guerrillamail.com\") || input1.Email.ToLower().EndsWith(\"@trashmail.com\"))"),
            Rule("no_3ds_high_value", "input1.Has3ds && input1.Is3ds == false && input1.Amount > 2000.0"),
            Rule("trusted_user", "input1.UserTrusted && input1.UserTxn1h <= 20"),
        ],
    };

    private static Rule Rule(string name, string expression) => new()
    {
        RuleName = name,
        Expression = expression,
        RuleExpressionType = RuleExpressionType.LambdaExpression,
    };
}
