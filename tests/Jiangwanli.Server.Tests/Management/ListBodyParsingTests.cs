using Jiangwanli.Server.Management;

namespace Jiangwanli.Server.Tests.Management;

public sealed class ListBodyParsingTests
{
    [Fact]
    public void ParseTextEntries_ListFileFormat_SkipsBlankLinesAndComments()
        => Assert.Equal(["a", "b c", "d"], ManagementEndpoints.ParseTextEntries("# header\na\r\n\n  b c  \n# x\nd"));

    [Fact]
    public void TryParseJsonEntries_ArrayOfStrings_GivesEntries()
    {
        Assert.True(ManagementEndpoints.TryParseJsonEntries("""["a","b\nc"]""", out var entries, out _));
        Assert.Equal(["a", "b\nc"], entries);
    }

    [Theory]
    [InlineData("""{"a":1}""", "array")]
    [InlineData("""["a",1]""", "entry 1")]
    [InlineData("""["a",null]""", "entry 1")]
    [InlineData("""["a" """, "malformed")]
    public void TryParseJsonEntries_NotAnArrayOfStrings_SaysWhy(string json, string reason)
    {
        Assert.False(ManagementEndpoints.TryParseJsonEntries(json, out _, out var why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }
}
