using System.CommandLine;

namespace Jiangwanli.Cli.Tests;

/// <summary>Flag handling of <c>jwl serve</c>, exercised where it refuses to start (so no server runs here).</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("jwl-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<(int Exit, string Error)> InvokeAsync(params string[] args)
    {
        var error = new StringWriter();
        var exit = await Program.BuildRootCommand().Parse(args).InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        return (exit, error.ToString());
    }

    [Fact]
    public async Task Serve_ManagementUrlsFlagNotLoopbackWithoutToken_ExitsOne()
    {
        var (exit, error) = await InvokeAsync("serve", "--urls", "http://127.0.0.1:18080", "--management-urls", "http://0.0.0.0:19091", "--data", _folder);

        Assert.Equal(1, exit);
        Assert.Contains("not a loopback address", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PackFlag_IsTheOneLoaded()
    {
        var pack = Path.Combine(_folder, "broken.yaml");
        await File.WriteAllTextAsync(pack, "version: x\n");

        var (exit, error) = await InvokeAsync("serve", "--pack", pack, "--data", _folder);

        Assert.Equal(1, exit);
        Assert.Contains("broken.yaml:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ConfigFlag_IsLayeredOverTheDefaults()
    {
        var config = Path.Combine(_folder, "settings.json");
        await File.WriteAllTextAsync(config, """{ "Jiangwanli": { "Urls": "https://127.0.0.1:18443" } }""");

        var (exit, error) = await InvokeAsync("serve", "--config", config, "--data", _folder);

        Assert.Equal(1, exit);
        Assert.Contains("must use http", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnknownDurability_IsAParseError()
    {
        var (exit, error) = await InvokeAsync("serve", "--durability", "sometimes");

        Assert.NotEqual(0, exit);
        Assert.Contains("sometimes", error, StringComparison.Ordinal);
    }
}
