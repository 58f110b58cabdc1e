using System.Buffers;
using System.Text.Json;

namespace Jiangwanli.Engine.Workload;

/// <summary>Shape of a generated payment workload.</summary>
public sealed class EventGeneratorOptions
{
    /// <summary>Seed; the same seed gives the same events.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Distinct users (Zipf-skewed).</summary>
    public int Users { get; set; } = 100_000;

    /// <summary>Distinct devices (Zipf-skewed).</summary>
    public int Devices { get; set; } = 50_000;

    /// <summary>Distinct IP addresses (Zipf-skewed).</summary>
    public int Ips { get; set; } = 50_000;

    /// <summary>Distinct cards (Zipf-skewed).</summary>
    public int Cards { get; set; } = 120_000;

    /// <summary>Zipf exponent; 0 is uniform, ~1 is web-like skew.</summary>
    public double Skew { get; set; } = 0.9;

    /// <summary>Time of the first event, Unix ms.</summary>
    public long StartMs { get; set; } = 1_764_115_200_000; // 2025-11-26T00:00:00Z

    /// <summary>Mean gap between event timestamps, ms.</summary>
    public double MeanGapMs { get; set; } = 5;
}

/// <summary>
/// A deterministic stream of payment events for the default pack (~250 bytes each): seeded, Zipf-skewed users,
/// devices, IPs and cards, so that hot keys exist as in real traffic. Shared by the engine benchmarks, the tests
/// and <c>jwl bench</c>. Not thread-safe: one generator per thread.
/// </summary>
public sealed class EventGenerator : IDisposable
{
    private static readonly string[] s_countries = ["US", "GB", "DE", "FR", "CN", "HK", "SG", "JP", "BR", "IN", "NG", "KP"];
    private static readonly string[] s_currencies = ["USD", "GBP", "EUR", "EUR", "CNY", "HKD", "SGD", "JPY", "BRL", "INR", "NGN", "KPW"];
    private static readonly string[] s_mccs = ["5411", "5812", "5999", "4829", "6051", "7995", "5732"];
    private static readonly string[] s_domains = ["example.com", "mail.example.org", "corp.example.net", "mailinator.com"];

    private readonly EventGeneratorOptions _options;
    private readonly Random _random;
    private readonly ZipfSampler _users;
    private readonly ZipfSampler _devices;
    private readonly ZipfSampler _ips;
    private readonly ZipfSampler _cards;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;
    private long _sequence;
    private double _clock;

    /// <summary>Creates a generator.</summary>
    public EventGenerator(EventGeneratorOptions? options = null)
    {
        _options = options ?? new EventGeneratorOptions();
        _random = new Random(_options.Seed);
        _users = new ZipfSampler(_options.Users, _options.Skew);
        _devices = new ZipfSampler(_options.Devices, _options.Skew);
        _ips = new ZipfSampler(_options.Ips, _options.Skew);
        _cards = new ZipfSampler(_options.Cards, _options.Skew);
        _writer = new Utf8JsonWriter(_buffer);
        _clock = _options.StartMs;
    }

    /// <summary>Releases the JSON writer.</summary>
    public void Dispose() => _writer.Dispose();

    /// <summary>Writes the next event and returns its bytes (valid until the next call).</summary>
    public ReadOnlySpan<byte> Next()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        var n = _sequence++;
        _clock += -Math.Log(1 - _random.NextDouble()) * _options.MeanGapMs;
        var user = _users.Next(_random);
        var country = _random.Next(100) < 85 ? user % (s_countries.Length - 1) : _random.Next(s_countries.Length);
        Span<char> scratch = stackalloc char[48];

        var w = _writer;
        w.WriteStartObject();
        w.WriteString("id"u8, Format(scratch, "evt-", n));
        w.WriteNumber("timestamp"u8, (long)_clock);
        w.WriteString("user"u8, Format(scratch, "u", user));
        w.WriteString("device"u8, Format(scratch, "d", _devices.Next(_random)));
        var ip = _ips.Next(_random);
        w.WriteString("ip"u8, FormatIp(scratch, ip));
        w.WriteString("card"u8, Format(scratch, "card_tok_", _cards.Next(_random)));
        w.WriteNumber("amount"u8, Math.Round(Amount(), 2));
        w.WriteString("currency"u8, s_currencies[country]);
        w.WriteString("country"u8, s_countries[country]);
        w.WriteString("card_country"u8, s_countries[_random.Next(100) < 90 ? country : _random.Next(s_countries.Length)]);
        w.WriteString("merchant"u8, Format(scratch, "m", _random.Next(5_000)));
        w.WriteString("mcc"u8, s_mccs[_random.Next(s_mccs.Length)]);
        w.WriteString("email"u8, Email(scratch, user));
        w.WriteNumber("account_created"u8, (long)_clock - (long)(_random.NextDouble() * 400 * 86_400_000.0));
        w.WriteBoolean("is_3ds"u8, _random.Next(100) < 70);
        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenSpan;
    }

    private double Amount()
    {
        // Log-normal around ~40 with a long tail, plus some card-testing micro payments.
        if (_random.Next(100) < 3)
        {
            return 0.5 + (_random.NextDouble() * 3);
        }

        var g = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
        return Math.Min(50_000, Math.Exp(3.7 + (1.3 * g)));
    }

    private static ReadOnlySpan<char> Format(Span<char> scratch, string prefix, long value)
    {
        prefix.AsSpan().CopyTo(scratch);
        value.TryFormat(scratch[prefix.Length..], out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        return scratch[..(prefix.Length + written)];
    }

    private static ReadOnlySpan<char> FormatIp(Span<char> scratch, int index)
    {
        // 10.x.y.z spread over the index; a few land in the example block list range 203.0.113.0/24.
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var pos = 0;
        if (index % 997 == 996)
        {
            "203.0.113.".AsSpan().CopyTo(scratch);
            pos = 10;
            (index % 250).TryFormat(scratch[pos..], out var w0, default, inv);
            return scratch[..(pos + w0)];
        }

        "10.".AsSpan().CopyTo(scratch);
        pos = 3;
        ((index >> 16) & 0xFF).TryFormat(scratch[pos..], out var w1, default, inv);
        pos += w1;
        scratch[pos++] = '.';
        ((index >> 8) & 0xFF).TryFormat(scratch[pos..], out var w2, default, inv);
        pos += w2;
        scratch[pos++] = '.';
        (index & 0xFF).TryFormat(scratch[pos..], out var w3, default, inv);
        return scratch[..(pos + w3)];
    }

    private ReadOnlySpan<char> Email(Span<char> scratch, int user)
    {
        var local = Format(scratch, "user", user);
        var len = local.Length;
        scratch[len++] = '@';
        var domain = s_domains[_random.Next(100) < 2 ? 3 : user % 3];
        domain.AsSpan().CopyTo(scratch[len..]);
        return scratch[..(len + domain.Length)];
    }
}
