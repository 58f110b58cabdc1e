using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Unicode;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Events;

/// <summary>The flat fast path of <see cref="EventReader.TryRead"/>.</summary>
/// <remarks>
/// Why by hand: events are one flat object of ~15 plain values, and <see cref="System.Text.Json.Utf8JsonReader"/>'s
/// general state machine (token types, depth bit stack, value sequences, per-token validation dispatch) plus a hash per
/// name cost about 25–30 ns per token here: ≈ 0.96 µs CPU for a ~300-byte, 15-property workload event (~32 tokens),
/// against ≈ 0.43 µs for this whole path (min of 5 alternating runs, <c>--decide-cpu --stage read</c>, docs/benchmarks.md). This scanner accepts exactly the RFC 8259
/// grammar for the shapes it handles — insignificant whitespace is space, tab, LF and CR; numbers are
/// <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>; strings hold no byte below 0x20 — and gives up (returns
/// false) on anything else: nesting, any escape, numbers it cannot convert exactly, RFC 3339 timestamps, wrong types,
/// limits, missing required fields. The caller then reads the event again from the start with the general path, so
/// every refusal (and its code, field and position) comes from one place and the results are identical; a
/// differential property test holds the two paths to that.
/// </remarks>
public sealed partial class EventReader
{
    /// <summary>Largest integer a double holds exactly (2^53).</summary>
    private const ulong MaxExactMantissa = 1UL << 53;

    /// <summary>9999-12-31T23:59:59.999Z, the largest epoch-ms timestamp the general path accepts.</summary>
    private const ulong MaxTimestampMs = 253_402_300_799_999;

    /// <summary>Exact powers of ten as doubles (10^22 is the largest that is exact).</summary>
    private static readonly double[] s_pow10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>1 for a byte that ends the plain run of a JSON string: a control character, <c>"</c> or <c>\</c>.</summary>
    private static ReadOnlySpan<byte> StringStops =>
    [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>Tests only: whether the fast path alone reads <paramref name="json"/> (no fallback).</summary>
    internal bool FastPathAccepts(ReadOnlySpan<byte> json, DecisionContext context, long nowMs)
    {
        context.Reset();
        context.TimestampMs = nowMs;
        return Utf8.IsValid(json) && TryReadFlat(json, context, out _);
    }

    /// <summary>
    /// Reads a flat event of plain values into <paramref name="context"/>. False means "not handled with certainty":
    /// the context is then partly written and the caller must reset it and use the general path. On success,
    /// <paramref name="nonAscii"/> false means every byte of <paramref name="json"/> is ASCII (so valid UTF-8): outside
    /// strings this scanner accepts ASCII only, and every string byte was looked at.
    /// </summary>
    private bool TryReadFlat(ReadOnlySpan<byte> json, DecisionContext context, out bool nonAscii)
    {
        nonAscii = false;
        // The whole event is copied into the context's text once, and each string value (its plain run has no escapes,
        // so the raw bytes are the value) is addressed where it lies in that copy: one copy instead of one per string.
        json.CopyTo(context.ReserveText(json.Length, out var textBase));
        var i = SkipWhitespace(json, 0);
        if ((uint)i >= (uint)json.Length || json[i] != (byte)'{')
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        if ((uint)i >= (uint)json.Length)
        {
            return false;
        }

        if (json[i] != (byte)'}')
        {
            var guesses = context.NameGuessesFor(_names);
            var property = 0;
            while (true)
            {
                // Property name: a string without escapes.
                if (json[i] != (byte)'"')
                {
                    return false;
                }

                // The name the k-th property had last time, spelled compactly (name, quote, colon), is matched in place
                // without scanning for the name's end; anything else takes the scan and the table.
                NameEntry? entry;
                if ((uint)property < (uint)guesses.Length && guesses[property] is { } guess && guess.IsCompactPrefixOf(json, i + 1))
                {
                    entry = guess;
                    property++;
                    i += 1 + guess.CompactPrefixLength;
                }
                else
                {
                    var nameEnd = ScanString(json, i + 1, ref nonAscii);
                    if (nameEnd < 0)
                    {
                        return false;
                    }

                    var name = json[(i + 1)..nameEnd];
                    if ((uint)property < (uint)guesses.Length)
                    {
                        entry = guesses[property];
                        if (entry is null || !entry.Is(name))
                        {
                            entry = guesses[property] = _names.Find(name);
                        }

                        property++;
                    }
                    else
                    {
                        entry = _names.Find(name);
                    }

                    i = nameEnd + 1;
                    if ((uint)i >= (uint)json.Length)
                    {
                        return false;
                    }

                    if (json[i] != (byte)':')
                    {
                        i = SkipWhitespace(json, i);
                        if ((uint)i >= (uint)json.Length || json[i] != (byte)':')
                        {
                            return false;
                        }
                    }

                    i++;
                }

                // Just after the colon, either way.
                i = SkipWhitespace(json, i);
                if ((uint)i >= (uint)json.Length)
                {
                    return false;
                }

                i = entry is null ? SkipPlainValue(json, i, ref nonAscii) : ReadPlainValue(json, i, entry, context, textBase, ref nonAscii);
                if ((uint)i >= (uint)json.Length)
                {
                    return false; // -1 (not handled) or the end of the input before the object closed
                }

                var b = json[i];
                if (b is not ((byte)',' or (byte)'}'))
                {
                    i = SkipWhitespace(json, i);
                    if ((uint)i >= (uint)json.Length)
                    {
                        return false;
                    }

                    b = json[i];
                }

                if (b == (byte)'}')
                {
                    break;
                }

                if (b != (byte)',')
                {
                    return false;
                }

                i = SkipWhitespace(json, i + 1);
                if ((uint)i >= (uint)json.Length)
                {
                    return false;
                }
            }
        }

        // Only whitespace may follow the object.
        if (SkipWhitespace(json, i + 1) != json.Length)
        {
            return false;
        }

        foreach (var f in _required)
        {
            if (!context.Present[f.Index])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads the value of a known property; returns the index after it, or -1 when not handled. A string value is
    /// addressed in the copy of the event at <paramref name="textBase"/> of the context's text.
    /// </summary>
    private int ReadPlainValue(ReadOnlySpan<byte> json, int i, NameEntry entry, DecisionContext context, int textBase, ref bool nonAscii)
    {
        var field = entry.Field;
        var reserved = entry.Reserved;
        var b = json[i];
        if (b == (byte)'"')
        {
            var end = ScanString(json, i + 1, ref nonAscii);
            if (end < 0)
            {
                return -1;
            }

            var value = json[(i + 1)..end];
            if (reserved == Reserved.Id)
            {
                if (value.Length > _options.MaxStringBytes || value.Length > 256)
                {
                    return -1;
                }

                context.IdOffset = textBase + i + 1;
                context.IdLength = value.Length;
            }
            else if (reserved == Reserved.Timestamp)
            {
                return -1; // RFC 3339 text: the general path parses it.
            }

            if (field is not null)
            {
                if (field.Type != FieldType.String || value.Length > _options.MaxStringBytes)
                {
                    return -1;
                }

                context.StringOffsets[field.Slot] = textBase + i + 1;
                context.StringLengths[field.Slot] = value.Length;
                if (field.IsEntity)
                {
                    context.EntityKeys[field.EntityIndex] = StableHash.Hash64(value);
                }

                context.Present[field.Index] = true;
            }

            return end + 1;
        }

        if (b == (byte)'-' || (uint)(b - '0') <= 9)
        {
            var end = ScanNumber(json, i, out var mantissa, out var exponent, out var negative, out var exact, out var plain);
            if (end < 0 || reserved == Reserved.Id)
            {
                return -1;
            }

            // Epoch milliseconds: a plain non-negative integer (what TryGetInt64 and the range check accept).
            var isMs = plain && exact && mantissa <= MaxTimestampMs;
            if (reserved == Reserved.Timestamp)
            {
                if (!isMs || (long)mantissa - context.TimestampMs > _maxFutureSkewMs)
                {
                    return -1;
                }

                context.TimestampMs = (long)mantissa;
                context.HasEventTimestamp = true;
            }

            if (field is not null)
            {
                if (field.Type == FieldType.Number)
                {
                    if (!TryExactDouble(mantissa, exponent, negative, exact, plain, out var number))
                    {
                        return -1;
                    }

                    context.Numbers[field.Slot] = number;
                    if (field.IsEntity)
                    {
                        context.EntityKeys[field.EntityIndex] = StableHash.Mix(BitConverter.DoubleToUInt64Bits(number));
                    }
                }
                else if (field.Type == FieldType.Timestamp && isMs)
                {
                    context.Numbers[field.Slot] = (long)mantissa;
                    if (field.IsEntity)
                    {
                        context.EntityKeys[field.EntityIndex] = StableHash.Mix(mantissa);
                    }
                }
                else
                {
                    return -1;
                }

                context.Present[field.Index] = true;
            }

            return end;
        }

        if (b == (byte)'n')
        {
            if (!json[i..].StartsWith("null"u8))
            {
                return -1;
            }

            // null: a reserved name is simply absent; a field is absent (even if an earlier duplicate set it).
            if (field is not null)
            {
                context.Present[field.Index] = false;
            }

            return i + 4;
        }

        if (b is (byte)'t' or (byte)'f')
        {
            var isTrue = b == (byte)'t';
            if (!json[i..].StartsWith(isTrue ? "true"u8 : "false"u8) || reserved != Reserved.None || field is not { Type: FieldType.Bool })
            {
                return -1;
            }

            context.Bools[field.Slot] = isTrue;
            context.Present[field.Index] = true;
            return isTrue ? i + 4 : i + 5;
        }

        return -1; // object, array, or not JSON
    }

    /// <summary>Skips the plain value of an unknown property; returns the index after it, or -1 when not handled.</summary>
    private static int SkipPlainValue(ReadOnlySpan<byte> json, int i, ref bool nonAscii)
    {
        var b = json[i];
        if (b == (byte)'"')
        {
            var end = ScanString(json, i + 1, ref nonAscii);
            return end < 0 ? -1 : end + 1;
        }

        if (b == (byte)'-' || (uint)(b - '0') <= 9)
        {
            return ScanNumber(json, i, out _, out _, out _, out _, out _);
        }

        var literal = b switch
        {
            (byte)'t' => "true"u8,
            (byte)'f' => "false"u8,
            (byte)'n' => "null"u8,
            _ => default,
        };
        return !literal.IsEmpty && json[i..].StartsWith(literal) ? i + literal.Length : -1;
    }

    /// <summary>
    /// Scans a string's content from <paramref name="i"/> (just after the opening quote); returns the index of the
    /// closing quote, or -1 at an escape, a control character or the end of the input. Sets
    /// <paramref name="nonAscii"/> when a byte of the content is not ASCII (bytes after the closing quote are not looked
    /// at: the lowest hit of a 16-byte step decides).
    /// </summary>
    /// <remarks>
    /// 16 bytes per step while 16 remain (events are a few hundred bytes, so nearly always): one signed compare — below
    /// 0x20 is a control character, below zero a byte of 0x80 or more — and two equality compares, then the lowest hit.
    /// A non-ASCII hit is flagged and the rest of the string goes one byte at a time, as do the last bytes of the
    /// input. The flag is how the caller knows whether the event needs a UTF-8 validation at all.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScanString(ReadOnlySpan<byte> json, int i, ref bool nonAscii)
    {
        if (Vector128.IsHardwareAccelerated)
        {
            var quote = Vector128.Create((byte)'"');
            var backslash = Vector128.Create((byte)'\\');
            var space = Vector128.Create((sbyte)0x20);
            while (i <= json.Length - Vector128<byte>.Count)
            {
                var v = Vector128.Create(json.Slice(i, Vector128<byte>.Count));
                var hits = Vector128.Equals(v, quote) | Vector128.Equals(v, backslash) | Vector128.LessThan(v.AsSByte(), space).AsByte();
                if (hits != Vector128<byte>.Zero)
                {
                    var at = i + BitOperations.TrailingZeroCount(hits.ExtractMostSignificantBits());
                    var b = json[at];
                    if (b == (byte)'"')
                    {
                        return at;
                    }

                    if (b < 0x80)
                    {
                        return -1;
                    }

                    nonAscii = true;
                    return ScanStringByBytes(json, at + 1, ref nonAscii);
                }

                i += Vector128<byte>.Count;
            }
        }

        return ScanStringByBytes(json, i, ref nonAscii);
    }

    /// <summary>The scalar rest of <see cref="ScanString"/>.</summary>
    private static int ScanStringByBytes(ReadOnlySpan<byte> json, int i, ref bool nonAscii)
    {
        var stops = StringStops;
        while ((uint)i < (uint)json.Length)
        {
            var b = json[i];
            if (stops[b] != 0)
            {
                return b == (byte)'"' ? i : -1;
            }

            if (b >= 0x80)
            {
                nonAscii = true;
            }

            i++;
        }

        return -1;
    }

    /// <summary>
    /// Scans an RFC 8259 number from <paramref name="i"/>; returns the index after it or -1 when it is not one.
    /// Its value is <paramref name="mantissa"/> × 10^<paramref name="exponent"/>, exactly when
    /// <paramref name="exact"/> (at most 19 significant digits kept and a moderate exponent); <paramref name="plain"/>
    /// when it is decimal digits only (no sign, fraction or exponent).
    /// </summary>
    private static int ScanNumber(ReadOnlySpan<byte> json, int i, out ulong mantissa, out int exponent, out bool negative, out bool exact, out bool plain)
    {
        plain = false;
        mantissa = 0;
        exponent = 0;
        exact = true;
        negative = false;
        var digits = 0;
        if (json[i] == (byte)'-')
        {
            negative = true;
            i++;
        }

        if ((uint)i >= (uint)json.Length)
        {
            return -1;
        }

        var d = (uint)(json[i] - '0');
        if (d == 0)
        {
            i++; // A leading zero stands alone; a digit after it is not JSON (the caller sees a bad delimiter).
        }
        else if (d <= 9)
        {
            // Eight bytes at a time while whole words remain and the mantissa keeps every digit; the byte loop below
            // finishes (the end of the input, a 20th digit) and is the reference for what the words compute.
            int taken;
            while ((taken = TakeDigits(json, i, digits, ref mantissa)) > 0)
            {
                digits += taken;
                i += taken;
                if (taken < 8)
                {
                    break;
                }
            }

            while ((uint)i < (uint)json.Length && (d = (uint)(json[i] - '0')) <= 9)
            {
                if (digits < 19)
                {
                    mantissa = (mantissa * 10) + d;
                }
                else
                {
                    exact = false;
                }

                digits++;
                i++;
            }
        }
        else
        {
            return -1;
        }

        var fraction = (uint)i < (uint)json.Length && json[i] == (byte)'.';
        if (fraction)
        {
            i++;
            if ((uint)i >= (uint)json.Length || (d = (uint)(json[i] - '0')) > 9)
            {
                return -1;
            }

            do
            {
                if (digits < 19)
                {
                    mantissa = (mantissa * 10) + d;
                    exponent--;
                }
                else
                {
                    exact = false;
                }

                digits++;
                i++;
            }
            while ((uint)i < (uint)json.Length && (d = (uint)(json[i] - '0')) <= 9);
        }

        if ((uint)i < (uint)json.Length && (json[i] | 0x20) == (byte)'e')
        {
            i++;
            var negativeExponent = false;
            if ((uint)i < (uint)json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                negativeExponent = json[i] == (byte)'-';
                i++;
            }

            if ((uint)i >= (uint)json.Length || (d = (uint)(json[i] - '0')) > 9)
            {
                return -1;
            }

            var e = 0;
            do
            {
                if (e < 100_000)
                {
                    e = (e * 10) + (int)d;
                }
                else
                {
                    exact = false;
                }

                i++;
            }
            while ((uint)i < (uint)json.Length && (d = (uint)(json[i] - '0')) <= 9);

            exponent += negativeExponent ? -e : e;
            return i;
        }

        plain = !negative && !fraction;
        return i;
    }

    /// <summary>Powers of ten that fit a <see cref="ulong"/> exactly, 10^0 … 10^8 (what <see cref="TakeDigits"/> scales by).</summary>
    private static ReadOnlySpan<ulong> Pow10Integers => [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

    /// <summary>
    /// Reads the run of up to 8 decimal digits at <paramref name="i"/> from one 8-byte word and appends them to
    /// <paramref name="mantissa"/> (× 10^count + their value); returns how many it took, or 0 when fewer than 8 bytes
    /// remain, the run does not start with a digit, or taking it would give the mantissa more than 19 digits
    /// (<paramref name="digits"/> already held) — the caller's byte loop then goes on, with the same result.
    /// </summary>
    /// <remarks>
    /// Why: event timestamps are 13 digits, and the byte loop's multiply-add per digit was a chain through every one
    /// of them. A byte is a digit when its high nibble is 3 and its low nibble below 10: XOR with '0' leaves 0–9 for
    /// digits, and adding 0x76 to such a value keeps the byte's top bit clear, while any other value sets it (or had it
    /// set). A carry out of a non-digit byte can only disturb the bytes after it, and only the first non-digit counts.
    /// The digits taken are moved to the top of the word (leading zero digits fill the bottom) and combined in three
    /// multiply-shift steps, pairs, then fours, then eight (the method of Mula and Lemire's "eight digits" routine).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TakeDigits(ReadOnlySpan<byte> json, int i, int digits, ref ulong mantissa)
    {
        if (json.Length - i < 8)
        {
            return 0;
        }

        var word = BinaryPrimitives.ReadUInt64LittleEndian(json[i..]) ^ 0x3030_3030_3030_3030UL;
        var nonDigits = ((word + 0x7676_7676_7676_7676UL) | word) & 0x8080_8080_8080_8080UL;
        var count = nonDigits == 0 ? 8 : BitOperations.TrailingZeroCount(nonDigits) >> 3;
        if (count == 0 || digits + count > 19)
        {
            return 0;
        }

        // Byte 0 is the first (most significant) digit; shifting left by the missing bytes puts zero digits in front.
        var v = word << ((8 - count) * 8);
        v = ((v & 0x0F0F_0F0F_0F0F_0F0FUL) * 2561) >> 8;
        v = ((v & 0x00FF_00FF_00FF_00FFUL) * 6553601) >> 16;
        v = ((v & 0x0000_FFFF_0000_FFFFUL) * 42949672960001) >> 32;
        mantissa = (mantissa * Pow10Integers[count]) + v;
        return count;
    }

    /// <summary>
    /// The double nearest to ±mantissa × 10^exponent, computed only where one IEEE operation is exact (Clinger's fast
    /// path: mantissa ≤ 2^53 and |exponent| ≤ 22, so both operands are exact and the one rounding is the correct one)
    /// — then it equals what any correctly rounded parser, the general path's included, returns. Zero only as a bare
    /// <c>0</c> (so the sign of <c>-0</c> is never in question). Anything else is left to the general path.
    /// </summary>
    private static bool TryExactDouble(ulong mantissa, int exponent, bool negative, bool exact, bool plainInteger, out double value)
    {
        value = 0;
        if (!exact || mantissa > MaxExactMantissa || exponent is < -22 or > 22)
        {
            return false;
        }

        if (mantissa == 0)
        {
            return plainInteger;
        }

        var m = (double)mantissa;
        value = exponent < 0 ? m / s_pow10[-exponent] : m * s_pow10[exponent];
        if (negative)
        {
            value = -value;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while ((uint)i < (uint)json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            i++;
        }

        return i;
    }
}
