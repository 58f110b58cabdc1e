using Jiangwanli.Server.Decisions;

namespace Jiangwanli.Server.Tests.Decisions;

public sealed class MediaTypesTests
{
    [Theory]
    [InlineData("application/json", "Json")]
    [InlineData("application/json; charset=utf-8", "Json")]
    [InlineData("Application/JSON;charset=\"UTF-8\"", "Json")]
    [InlineData("application/json; charset=utf8", "Json")]
    [InlineData("application/json;", "Json")]
    [InlineData("application/x-ndjson", "NdJson")]
    [InlineData("application/ndjson; charset=utf-8", "NdJson")]
    [InlineData("application/jsonl", "NdJson")]
    [InlineData("application/json; charset=iso-8859-1", "Unsupported")]
    [InlineData("application/json; charset=utf-16", "Unsupported")]
    [InlineData("application/json; garbage", "Unsupported")]
    [InlineData("text/plain", "Unsupported")]
    [InlineData("application/jsonx", "Unsupported")]
    [InlineData("application/problem+json", "Unsupported")]
    [InlineData("", "Unsupported")]
    [InlineData(null, "Unsupported")]
    public void Classify_ContentType_GivesFormat(string? contentType, string expected)
        => Assert.Equal(expected, MediaTypes.Classify(contentType).ToString());
}
