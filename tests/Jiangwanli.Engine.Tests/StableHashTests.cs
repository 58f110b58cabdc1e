using System.Text;

namespace Jiangwanli.Engine.Tests;

public class StableHashTests
{
    // Reference values of xxHash64 with seed 0 (from the xxHash project's test vectors and the
    // System.IO.Hashing implementation).
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("message digest", 0x066ED728FCEEB3BEUL)]
    [InlineData("abcdefghijklmnopqrstuvwxyz", 0xCFE1F278FA89835CUL)]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", 0xE04A477F19EE145DUL)]
    public void Hash64_KnownVectors_Match(string text, ulong expected)
        => Assert.Equal(expected, StableHash.Hash64(Encoding.ASCII.GetBytes(text)));
}
