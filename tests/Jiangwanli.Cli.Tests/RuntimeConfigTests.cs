using System.Text.Json;

namespace Jiangwanli.Cli.Tests;

/// <summary>The runtime settings jwl ships with (its runtimeconfig.json, generated from Jiangwanli.Cli.csproj).</summary>
public sealed class RuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        var folder = Path.GetDirectoryName(typeof(Program).Assembly.Location)!;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "jwl.runtimeconfig.json")));
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void RuntimeConfig_ThreadPoolWorkers_DoNotSpinWhenIdle() =>
        Assert.Equal(0, ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());

    [Fact]
    public void RuntimeConfig_Gc_IsServer() =>
        Assert.True(ConfigProperties().GetProperty("System.GC.Server").GetBoolean());
}
