using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Jiangwanli.Audit.Format;

/// <summary>
/// Advances the hash chain by one record frame: <c>h = SHA-256(h ‖ frame)</c>.
/// </summary>
/// <remarks>
/// SHA-256 comes from the platform's crypto library (OpenSSL on Linux, with SHA-NI / ARMv8 SHA2 instructions). For a
/// ~450-byte input the hashing itself is the smaller part; the per-call overhead of the interop dominates. On Linux the
/// chain calls OpenSSL's SHA256 functions directly (<see cref="NativeSha256"/>: one context in native memory, no
/// SafeHandle, no error-queue clearing); elsewhere, or if that library does not load or fails its known-answer test,
/// a reused <see cref="IncrementalHash"/> (two appends and a finish, no allocation, the native context kept), which
/// measured ~1.06 µs of CPU per record on our benchmark machine, against ~1.38 µs for copying <c>h ‖ frame</c> into a
/// scratch buffer and calling the one-shot <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>, which
/// creates and frees a native context per call (see AuditFramingBenchmarks). One instance per thread; not thread-safe.
/// </remarks>
internal sealed unsafe class ChainHasher : IDisposable
{
    private readonly IncrementalHash? _sha256;
    private void* _context;

    /// <summary>Creates a hasher; <paramref name="preferNative"/> false forces <see cref="IncrementalHash"/> (tests, benchmarks).</summary>
    public ChainHasher(bool preferNative = true)
    {
        if (preferNative && NativeSha256.IsAvailable)
        {
            _context = NativeMemory.Alloc(NativeSha256.ContextBytes);
        }
        else
        {
            _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
    }

    /// <summary>True when this instance calls OpenSSL directly.</summary>
    public bool IsNative => _sha256 is null;

    /// <summary>Replaces <paramref name="hash"/> with <c>SHA-256(hash ‖ frame)</c>.</summary>
    public void Append(ref ChainHash hash, ReadOnlySpan<byte> frame)
    {
        if (_sha256 is null)
        {
            ObjectDisposedException.ThrowIf(_context is null, this);
            NativeSha256.Hash(_context, hash, frame, hash);
            return;
        }

        _sha256.AppendData(hash);
        _sha256.AppendData(frame);
        _sha256.GetHashAndReset(hash);
    }

    public void Dispose()
    {
        _sha256?.Dispose();
        if (_context is not null)
        {
            NativeMemory.Free(_context);
            _context = null;
        }
    }
}
