using System.Text;
using CsCheck;
using Jiangwanli.Audit.Format;

namespace Jiangwanli.Audit.Tests;

/// <summary>Golden bytes of the on-disk format (version 1) and the checksum. The expected hex was computed with an
/// independent bitwise CRC-32C and hashlib SHA-256 in Python, not with this code.</summary>
public class FormatTests
{
    private const string GoldenHeader =
        "4a574c4155444954" + "0100" + "4000" + "2fc1d545" + "0100000000000000" + "00b875bd9a010000" +
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    private const string GoldenFrame =
        "1f000000" + "d3a33a58" + "0100000000000000" + "7bb875bd9a010000" + "7b2264223a317d";

    private const string GoldenFirstChainValue = "54bbb8ed589529e721ead34e91051844ed61990af57409181bbd9b3d9c150409";

    [Fact]
    public void Crc32C_CheckValue_MatchesCastagnoliStandard()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0xE3069283u, Crc32C.AppendSoftware(0, "123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Crc32C_HardwareAndSoftware_AgreeOnAnyInputAndSplit()
    {
        Gen.Byte.Array[0, 300].Select(Gen.Int[0, 300]).Sample((data, split) =>
        {
            split = Math.Min(split, data.Length);
            var whole = Crc32C.Compute(data);
            Assert.Equal(Crc32C.AppendSoftware(0, data), whole);
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }, iter: 2000);
    }

    [Fact]
    public void SegmentHeader_Write_ProducesGoldenBytes()
    {
        ChainHash previous = default;
        for (var i = 0; i < ChainHash.Size; i++)
        {
            previous[i] = (byte)i;
        }

        var bytes = new byte[SegmentHeader.Size];
        new SegmentHeader(1, 1764115200000, previous).Write(bytes);

        Assert.Equal(GoldenHeader, Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void SegmentHeader_TryRead_RoundTripsGoldenBytes()
    {
        Assert.True(SegmentHeader.TryRead(Convert.FromHexString(GoldenHeader), out var header, out var problem), problem);
        Assert.Equal(1ul, header.FirstSequence);
        Assert.Equal(1764115200000, header.CreatedUnixMs);
        var previous = header.PreviousHash;
        Assert.Equal("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", ChainHash.ToHex(previous));
    }

    [Fact]
    public void SegmentHeader_TryRead_RejectsEverySingleByteFlip()
    {
        var golden = Convert.FromHexString(GoldenHeader);
        for (var i = 0; i < golden.Length; i++)
        {
            var copy = (byte[])golden.Clone();
            copy[i] ^= 0xFF;
            Assert.False(SegmentHeader.TryRead(copy, out _, out _), $"flip at {i} accepted");
        }

        for (var length = 0; length < golden.Length; length++)
        {
            Assert.False(SegmentHeader.TryRead(golden.AsSpan(0, length), out _, out _), $"truncation to {length} accepted");
        }
    }

    [Fact]
    public void RecordFrame_Seal_ProducesGoldenBytes()
    {
        var payload = "{\"d\":1}"u8;
        var frame = new byte[RecordFrame.HeaderSize + payload.Length];
        RecordFrame.WriteLength(frame, frame.Length);
        payload.CopyTo(frame.AsSpan(RecordFrame.HeaderSize));
        RecordFrame.Seal(frame, 1, 1764115200123);

        Assert.Equal(GoldenFrame, Convert.ToHexStringLower(frame));
        Assert.True(RecordFrame.CrcMatches(frame));
    }

    [Fact]
    public void ChainHasher_FirstRecord_ProducesGoldenChainValue()
    {
        ChainHash hash = default;
        new ChainHasher().Append(ref hash, Convert.FromHexString(GoldenFrame));
        Assert.Equal(GoldenFirstChainValue, ChainHash.ToHex(hash));
    }

    [Fact]
    public void ChainHasher_OnLinux_CallsOpenSslDirectly()
    {
        // Linux: .NET's own crypto needs libcrypto, so the direct path must load (and pass its known-answer test).
        // Elsewhere the direct path is off and IncrementalHash is used.
        using var hasher = new ChainHasher();
        Assert.Equal(OperatingSystem.IsLinux(), NativeSha256.IsAvailable);
        Assert.Equal(OperatingSystem.IsLinux(), hasher.IsNative);
        using var managed = new ChainHasher(preferNative: false);
        Assert.False(managed.IsNative);
    }

    [Fact]
    public void ChainHasher_NativeAndIncrementalHash_AgreeOnRandomChains()
    {
        Gen.Byte.Array[0, 700].Array[1, 8].Sample(frames =>
        {
            using var native = new ChainHasher();                 // per sample: CsCheck runs samples in parallel
            using var managed = new ChainHasher(preferNative: false);
            ChainHash a = default, b = default;
            foreach (var frame in frames)
            {
                native.Append(ref a, frame);
                managed.Append(ref b, frame);
                Assert.Equal(ChainHash.ToHex(b), ChainHash.ToHex(a));
            }

            // And against the definition, SHA-256(previous ‖ frame), for the last step.
            ChainHash previous = default;
            for (var i = 0; i < frames.Length - 1; i++)
            {
                managed.Append(ref previous, frames[i]);
            }

            var expected = System.Security.Cryptography.SHA256.HashData([.. ((ReadOnlySpan<byte>)previous).ToArray(), .. frames[^1]]);
            Assert.Equal(Convert.ToHexStringLower(expected), ChainHash.ToHex(a));
        }, iter: 300);
    }

    [Fact]
    public void RecordFrame_CrcMatches_RejectsEverySingleByteFlip()
    {
        var golden = Convert.FromHexString(GoldenFrame);
        for (var i = 0; i < golden.Length; i++)
        {
            var copy = (byte[])golden.Clone();
            copy[i] ^= 0x01;
            Assert.False(RecordFrame.CrcMatches(copy) && RecordFrame.ReadLength(copy) == copy.Length, $"flip at {i} accepted");
        }
    }

    [Fact]
    public void SegmentFiles_NameFor_IsFixedWidthAndParsesBack()
    {
        Assert.Equal("00000000000000000001.seg", SegmentFiles.NameFor(1));
        Assert.Equal("18446744073709551615.seg", SegmentFiles.NameFor(ulong.MaxValue));
        Assert.True(SegmentFiles.TryParse("00000000000000004097.seg", out var first));
        Assert.Equal(4097ul, first);
        Assert.False(SegmentFiles.TryParse("0000000000000000409.seg", out _));
        Assert.False(SegmentFiles.TryParse("0000000000000000409x.seg", out _));
        Assert.False(SegmentFiles.TryParse("00000000000000004097.seg.cut-000000000064", out _));
        Assert.False(SegmentFiles.TryParse(Encoding.ASCII.GetString("prepare-1-1.tmp"u8), out _));
    }
}
