using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Jiangwanli.Audit.Format;

/// <summary>
/// OpenSSL's own <c>SHA256_Init</c> / <c>SHA256_Update</c> / <c>SHA256_Final</c>, called directly through function
/// pointers — the same library, and the same SHA-NI code, that .NET's <see cref="IncrementalHash"/> reaches on Linux,
/// without the layers in between.
/// </summary>
/// <remarks>
/// <para>Why not <see cref="IncrementalHash"/> alone: every record of the audit log advances the hash chain, and
/// on the decision path that is three interop calls per record through .NET's OpenSSL shim, each with a
/// <c>SafeHandle</c> reference count, an EVP dispatch and an <c>ERR_clear_error</c>. A CPU profile of the server under
/// load (docs/benchmarks.md, eighth session) had OpenSSL at ≈ 1.8 µs of a decision's ≈ 86 µs of server CPU, of which
/// the SHA-256 compression itself was a small part and <c>ERR_clear_error</c> alone ≈ 0.4 µs. The low-level functions
/// are deprecated in OpenSSL 3 but exported by 1.1 and 3.x alike, with the same 112-byte <c>SHA256_CTX</c>.</para>
/// <para>Used only where the library loads, exports all three functions and passes a known-answer test against
/// <see cref="SHA256"/> at first use (<see cref="IsAvailable"/>); otherwise <see cref="ChainHasher"/> keeps
/// <see cref="IncrementalHash"/>. The calls suppress the GC transition: each is a bounded computation under a
/// microsecond for a record-sized input (no callbacks, no blocking, no allocation).</para>
/// </remarks>
internal static unsafe class NativeSha256
{
    /// <summary>Bytes reserved for one <c>SHA256_CTX</c> (112 in OpenSSL 1.1 and 3.x), rounded up.</summary>
    public const int ContextBytes = 128;

    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, int> s_init;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, byte*, nuint, int> s_update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, void*, int> s_final;

    static NativeSha256()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var name in (ReadOnlySpan<string>)["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (!NativeLibrary.TryLoad(name, out var library))
            {
                continue;
            }

            if (NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
                && NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
                && NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
            {
                s_init = (delegate* unmanaged[SuppressGCTransition]<void*, int>)init;
                s_update = (delegate* unmanaged[SuppressGCTransition]<void*, byte*, nuint, int>)update;
                s_final = (delegate* unmanaged[SuppressGCTransition]<byte*, void*, int>)final;
                IsAvailable = PassesKnownAnswerTest();
                if (IsAvailable)
                {
                    return;
                }
            }
        }
    }

    /// <summary>True when the direct functions are loaded and agree with <see cref="SHA256"/>.</summary>
    public static bool IsAvailable { get; }

    /// <summary>
    /// Writes <c>SHA-256(first ‖ second)</c> to <paramref name="output"/> (32 bytes, may overlap
    /// <paramref name="first"/>), using <paramref name="context"/> (<see cref="ContextBytes"/> bytes) as scratch.
    /// </summary>
    public static void Hash(void* context, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> output)
    {
        if (output.Length < ChainHash.Size)
        {
            throw new ArgumentException("SHA-256 needs 32 bytes of output.", nameof(output));
        }

        fixed (byte* a = first)
        fixed (byte* b = second)
        fixed (byte* o = output)
        {
            // Each returns 1 on success; with a valid context and pointers they cannot fail.
            if ((s_init(context) & s_update(context, a, (nuint)first.Length) & s_update(context, b, (nuint)second.Length)
                 & s_final(o, context)) != 1)
            {
                throw new CryptographicException("OpenSSL SHA256 failed.");
            }
        }
    }

    private static bool PassesKnownAnswerTest()
    {
        // Two parts whose split crosses a 64-byte block, against the managed API's one-shot hash of the whole.
        Span<byte> input = stackalloc byte[200];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (byte)(i * 31 + 7);
        }

        Span<byte> expected = stackalloc byte[ChainHash.Size];
        Span<byte> actual = stackalloc byte[ChainHash.Size];
        SHA256.HashData(input, expected);
        var context = NativeMemory.Alloc(ContextBytes);
        try
        {
            Hash(context, input[..77], input[77..], actual);
        }
        finally
        {
            NativeMemory.Free(context);
        }

        return actual.SequenceEqual(expected);
    }
}
