namespace Jiangwanli.Server.Decisions;

/// <summary>
/// A request body copied into an array rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>; the caller
/// returns <see cref="Buffer"/> (also when <see cref="TooLarge"/>).
/// </summary>
internal readonly struct BodyRead
{
    public BodyRead(byte[] buffer, int length, bool tooLarge)
    {
        Buffer = buffer;
        Length = length;
        TooLarge = tooLarge;
    }

    /// <summary>The rented array; the body is its first <see cref="Length"/> bytes.</summary>
    public byte[] Buffer { get; }

    /// <summary>Bytes of body read.</summary>
    public int Length { get; }

    /// <summary>The body exceeded the limit; reading stopped there.</summary>
    public bool TooLarge { get; }

    /// <summary>The body bytes.</summary>
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);
}
