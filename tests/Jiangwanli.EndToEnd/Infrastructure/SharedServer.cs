namespace Jiangwanli.EndToEnd.Infrastructure;

/// <summary>
/// One <c>jwl serve</c> on the default pack shared by the tests that do not change it (they use their own entity
/// ids). Tests that swap packs or lists, or stop the server, start their own.
/// </summary>
public class SharedServer : IAsyncLifetime
{
    internal JwlServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await JwlServer.StartAsync();

    public async Task DisposeAsync()
    {
        var exit = await Server.StopAsync();
        var log = Server.Log;
        await Server.DisposeAsync();
        Assert.True(exit == 0, $"jwl serve exited with {exit}\n{log}");
    }
}

[CollectionDefinition(Name)]
public sealed class SharedServerCollection : ICollectionFixture<SharedServer>
{
    public const string Name = "shared jwl serve";
}
