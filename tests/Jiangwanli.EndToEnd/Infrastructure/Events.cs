using System.Globalization;
using System.Text;

namespace Jiangwanli.EndToEnd.Infrastructure;

/// <summary>Deterministic event streams for the default pack: velocity, lists, countries, bad events among them.</summary>
internal static class Events
{
    private const long Start = 1_764_150_000_000;

    /// <summary>
    /// <paramref name="count"/> events with their own timestamps (so feature windows do not depend on wall time), entity
    /// ids prefixed with <paramref name="prefix"/> (so tests never share windows). Every 37th event is invalid.
    /// <paramref name="blockedCard"/>, a card of the default pack's block list, appears now and then; give each stream
    /// its own (the list has three), or none.
    /// </summary>
    public static List<string> Generate(string prefix, int count, int seed, string? blockedCard = null)
    {
        var random = new Random(seed);

        // IPs are entities too: derive this stream's own addresses from the prefix (a /24 of 10/8, and one blocked
        // address of 203.0.113.0/24), so no other stream counts in its windows.
        var hash = 17;
        foreach (var c in prefix)
        {
            hash = unchecked((hash * 31) + c) & 0x7FFFFFFF;
        }

        var network = Text($"10.{hash % 250}.{(hash / 250) % 250}");
        var blocked = Text($"203.0.113.{hash % 250}");
        string[] countries = ["FR", "DE", "US", "KP", "GB"];
        string[] emails = ["a@example.com", "b@mailinator.com", "c@Trashmail.com", "d@example.org"];
        var events = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var id = Text($"{prefix}-{i}");
            if (i % 37 == 36)
            {
                events.Add(i % 2 == 0
                    ? Text($"{{\"id\":\"{id}\",\"user\":\"{prefix}-u1\",\"amount\":\"lots\"}}")
                    : Text($"{{\"id\":\"{id}\",\"amount\":5}}"));
                continue;
            }

            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"{id}\",\"timestamp\":{Start + (i * 7_000L)}");
            sb.Append(CultureInfo.InvariantCulture, $",\"user\":\"{prefix}-u{random.Next(6)}\"");
            var amount = random.Next(4) == 0 ? random.Next(1, 5) : random.Next(5, 9000);
            sb.Append(CultureInfo.InvariantCulture, $",\"amount\":{amount}.{random.Next(10)}");
            if (random.Next(3) > 0)
            {
                var card = blockedCard is not null && random.Next(40) == 0 ? blockedCard : Text($"{prefix}-c{random.Next(3)}");
                sb.Append(CultureInfo.InvariantCulture, $",\"card\":\"{card}\"");
            }

            if (random.Next(2) == 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $",\"device\":\"{prefix}-d{random.Next(2)}\"");
            }

            if (random.Next(2) == 0)
            {
                var ip = random.Next(30) == 0 ? blocked : Text($"{network}.{random.Next(4)}");
                sb.Append(CultureInfo.InvariantCulture, $",\"ip\":\"{ip}\"");
            }

            sb.Append(CultureInfo.InvariantCulture, $",\"country\":\"{countries[random.Next(countries.Length)]}\",\"card_country\":\"{countries[random.Next(countries.Length)]}\"");
            sb.Append(CultureInfo.InvariantCulture, $",\"email\":\"{emails[random.Next(emails.Length)]}\",\"is_3ds\":{(random.Next(2) == 0 ? "true" : "false")}");
            if (random.Next(5) == 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $",\"account_created\":{Start - 3_600_000L}");
            }

            sb.Append('}');
            events.Add(sb.ToString());
        }

        return events;
    }

    private static string Text(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
