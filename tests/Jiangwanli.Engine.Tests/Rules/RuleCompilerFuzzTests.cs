using System.Text;
using CsCheck;
using Jiangwanli.Engine.Rules;

namespace Jiangwanli.Engine.Tests.Rules;

/// <summary>
/// Whatever the text, <see cref="RuleCompiler.Compile"/> returns a predicate or located diagnostics, and never throws;
/// a predicate it returns evaluates without throwing on full and empty events.
/// </summary>
public sealed class RuleCompilerFuzzTests
{
    private const int BaseLine = 40;
    private const int BaseColumn = 11;

    private static readonly string[] s_seeds =
    [
        "amount > 1000.0 && user_txn_1h > 10",
        "ip in blocked_ips || country in ['CN', 'HK', \"RU\"]",
        "!(email.endsWith('@example.com')) && size(lower(name)) >= 3",
        "(seen_at - created_at) < 1h30m ? amount * 2 > 500 : abs(-amount) % 7 == 3",
        "has(tries) && tries >= 3 || min(amount, user_amount_24h, 0x10) / 2 != max(1e3, .5)",
        "startsWith(lower(email), 'admin') && user in vip_users // comment\n&& is_vip == false",
        "country + ':' + device in ['CN:d1', 'US:\\u00e9\\x41\\101\\n'] && r'raw\\d' != 'x'",
        "device_users_24h > 3 && !is_vip && (amount in [1, 2, 3] || user_txn_1h <= -1)",
    ];

    private static readonly string s_alphabet = "()[]{}.,:?!=<>&|+-*/%'\"\\ \t\nr0123456789eEx_hmsdabcinutrfl;#@$é€😀\0\u0085\u2028";

    private readonly RuleFixture _fixture = new();

    [Fact]
    public void Compile_EveryTruncationOfValidConditions_GivesPredicateOrLocatedErrors()
    {
        foreach (var seed in s_seeds)
        {
            Assert.NotNull(CompileChecked(seed)); // the seeds themselves are valid
            for (var length = 0; length < seed.Length; length++)
            {
                CompileChecked(seed[..length]);
                CompileChecked(seed[length..]);
            }
        }
    }

    [Fact]
    public void Compile_EverySingleCharacterCorruption_GivesPredicateOrLocatedErrors()
    {
        foreach (var seed in s_seeds)
        {
            for (var i = 0; i < seed.Length; i++)
            {
                foreach (var c in "\"'(\\)[0. x")
                {
                    CompileChecked(string.Concat(seed.AsSpan(0, i), c.ToString(), seed.AsSpan(i + 1)));
                }

                CompileChecked(seed.Remove(i, 1));
            }
        }
    }

    [Fact]
    public void Compile_RandomCharacterMutations_GivePredicateOrLocatedErrors()
    {
        var edit = Gen.Select(Gen.Int[0, 3], Gen.Double[0, 1], Gen.Int[0, s_alphabet.Length - 1], Gen.Int[1, 8]);
        Gen.Select(Gen.Int[0, s_seeds.Length - 1], edit.Array[1, 6])
            .Sample(t =>
            {
                var text = new StringBuilder(s_seeds[t.Item1]);
                foreach (var (kind, where, symbol, count) in t.Item2)
                {
                    var at = (int)(where * text.Length);
                    switch (kind)
                    {
                        case 0 when at < text.Length:
                            text[at] = s_alphabet[symbol];
                            break;
                        case 1:
                            text.Insert(at, s_alphabet[symbol]);
                            break;
                        case 2 when at < text.Length:
                            text.Remove(at, Math.Min(count, text.Length - at));
                            break;
                        case 3:
                            // Duplicate a slice: makes nesting, repeated operators and long literals.
                            var slice = text.ToString(at, Math.Min(count * 3, text.Length - at));
                            text.Insert(at, slice);
                            break;
                    }
                }

                CompileChecked(text.ToString());
            }, iter: 600, threads: 1);
    }

    [Fact]
    public void Compile_RandomByteMutationsOfUtf8_GivePredicateOrLocatedErrors()
    {
        Gen.Select(Gen.Int[0, s_seeds.Length - 1], Gen.Select(Gen.Double[0, 1], Gen.Byte).Array[1, 4])
            .Sample(t =>
            {
                var bytes = Encoding.UTF8.GetBytes(s_seeds[t.Item1]);
                foreach (var (where, value) in t.Item2)
                {
                    bytes[Math.Min((int)(where * bytes.Length), bytes.Length - 1)] = value;
                }

                CompileChecked(Encoding.UTF8.GetString(bytes));
            }, iter: 400, threads: 1);
    }

    [Fact]
    public void Compile_RandomPrintableText_GivesPredicateOrLocatedErrors()
        => Gen.String[Gen.Char[' ', '~'], 0, 40].Sample(text => CompileChecked(text), iter: 400, threads: 1);

    private RulePredicate? CompileChecked(string source)
    {
        var diagnostics = new List<RuleDiagnostic>();
        var predicate = RuleCompiler.Compile("fuzz", source, _fixture.Environment, BaseLine, BaseColumn, diagnostics);
        if (predicate is null)
        {
            Assert.NotEmpty(diagnostics);
            var lines = source.Split(["\r\n", "\r", "\n"], StringSplitOptions.None);
            foreach (var d in diagnostics)
            {
                Assert.Equal("fuzz", d.RuleId);
                Assert.InRange(d.Line, BaseLine, BaseLine + lines.Length - 1);
                var lineLength = lines[d.Line - BaseLine].Length;
                var first = d.Line == BaseLine ? BaseColumn : 1;
                Assert.InRange(d.Column, first, first + lineLength);
                Assert.False(string.IsNullOrWhiteSpace(d.Message));
            }
        }
        else
        {
            Assert.Empty(diagnostics);
            var empty = _fixture.NewContext();
            predicate(empty);
            var full = _fixture.NewContext()
                .Text(_fixture, "user", "alice").Text(_fixture, "ip", "10.0.0.1").Text(_fixture, "device", "d1")
                .Number(_fixture, "amount", 12.5).Text(_fixture, "country", "CN").Text(_fixture, "email", "A@B.C")
                .Text(_fixture, "name", "Zoë").Flag(_fixture, "is_vip", false)
                .Number(_fixture, "created_at", 1).Number(_fixture, "seen_at", 2).Number(_fixture, "tries", 0)
                .Feature(_fixture, "user_txn_1h", 1).Feature(_fixture, "user_amount_24h", 0).Feature(_fixture, "device_users_24h", 2);
            predicate(full);
        }

        return predicate;
    }
}
