using System.Runtime.CompilerServices;

namespace Jiangwanli.Audit.Format;

/// <summary>
/// One value of the hash chain, <c>h[n] = SHA-256(h[n-1] ‖ frame[n])</c>: 32 bytes held inline (no array).
/// <c>h[0]</c>, the value before the first record of a log, is all zeros.
/// </summary>
[InlineArray(Size)]
internal struct ChainHash
{
    /// <summary>Bytes in a SHA-256 value.</summary>
    public const int Size = 32;

    private byte _element0;

    /// <summary>Lower-case hex of <paramref name="hash"/>.</summary>
    public static string ToHex(in ChainHash hash) => Convert.ToHexStringLower(hash);

    /// <summary>True when every byte is zero (the genesis value).</summary>
    public static bool IsZero(in ChainHash hash) => !((ReadOnlySpan<byte>)hash).ContainsAnyExcept((byte)0);
}
