using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Jiangwanli.Audit.Format;

/// <summary>
/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78, initial value and final XOR 0xFFFFFFFF),
/// the checksum of every record frame and segment header.
/// </summary>
/// <remarks>
/// Why not System.IO.Hashing: the version we build against (10.0.x) offers <c>Crc32</c> with the IEEE 802.3
/// polynomial and <c>Crc64</c> only; CRC-32C arrives with <c>Crc32ParameterSet.Crc32C</c> in .NET 11. CRC-32C is
/// both the storage-industry choice (iSCSI, ext4, RocksDB, Kafka) and the one CPUs compute in hardware: SSE4.2's
/// <c>crc32</c> instruction and ARMv8's <c>crc32c*</c> instructions implement exactly this polynomial, 8 bytes per
/// instruction. The table-driven path is the fallback for other CPUs.
/// </remarks>
internal static class Crc32C
{
    private const uint ReflectedPolynomial = 0x82F63B78u;

    private static readonly uint[] s_table = CreateTable();

    /// <summary>CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues a finished CRC-32C over more bytes: <c>Append(Compute(a), b) == Compute(a ‖ b)</c>.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    /// <summary>The table-driven implementation, exposed so tests check it against the hardware one.</summary>
    internal static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data) => ~UpdateSoftware(~crc, data);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            return UpdateSse42X64(state, data);
        }

        if (System.Runtime.Intrinsics.Arm.Crc32.Arm64.IsSupported)
        {
            return UpdateArm64(state, data);
        }

        return UpdateSoftware(state, data);
    }

    private static uint UpdateSse42X64(uint state, ReadOnlySpan<byte> data)
    {
        ulong crc = state;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            crc = Sse42.X64.Crc32(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        var result = (uint)crc;
        for (; i < data.Length; i++)
        {
            result = Sse42.Crc32(result, data[i]);
        }

        return result;
    }

    private static uint UpdateArm64(uint state, ReadOnlySpan<byte> data)
    {
        var crc = state;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            crc = System.Runtime.Intrinsics.Arm.Crc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        for (; i < data.Length; i++)
        {
            crc = System.Runtime.Intrinsics.Arm.Crc32.ComputeCrc32C(crc, data[i]);
        }

        return crc;
    }

    private static uint UpdateSoftware(uint state, ReadOnlySpan<byte> data)
    {
        var table = s_table;
        var crc = state;
        foreach (var b in data)
        {
            crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? ReflectedPolynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
