namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>A server on <see cref="TestPacks.Small"/> (version "test-1"), shared by the tests of a class.</summary>
public sealed class SmallPackServer : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();

    internal InProcessServer Server { get; private set; } = null!;

    internal string PackPath => _folder.Combine("pack.yaml");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(PackPath, TestPacks.Small("test-1"));
        Server = await InProcessServer.StartAsync(dataDirectory: _folder.Combine("data"), packPath: PackPath);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _folder.Dispose();
    }
}
