using Jiangwanli.Server.Hosting;

namespace Jiangwanli.Server.Tests.Hosting;

public sealed class AdminTokenTests
{
    [Theory]
    [InlineData(null, 401)]
    [InlineData("", 401)]
    [InlineData("Bearer", 401)]
    [InlineData("Bearer ", 401)]
    [InlineData("Basic c2VjcmV0", 401)]
    [InlineData("Bearer wrong", 403)]
    [InlineData("Bearer s3cret-tok", 403)]
    [InlineData("Bearer s3cret-token-longer", 403)]
    [InlineData("Bearer s3cret-token", 200)]
    [InlineData("bearer s3cret-token", 200)]
    [InlineData("Bearer   s3cret-token  ", 200)]
    public void Check_AuthorizationHeader_GivesStatus(string? header, int status)
        => Assert.Equal(status, new AdminToken("s3cret-token").Check(header));

    [Fact]
    public void Check_NoTokenConfigured_AcceptsAnyCaller()
    {
        var token = new AdminToken(null);
        Assert.False(token.IsRequired);
        Assert.Equal(200, token.Check(null));
    }
}
