using System.CommandLine;
using Jiangwanli.Server.Hosting;

namespace Jiangwanli.Cli.Commands;

/// <summary>
/// <c>jwl serve</c>: runs the service. Flags override appsettings.json, <c>--config</c> and <c>JWL__…</c>
/// environment variables. Exit 0 after a graceful shutdown (SIGTERM/Ctrl-C), 1 when it cannot start.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "A JSON settings file layered over appsettings.json." };
        var pack = new Option<string?>("--pack") { Description = "Rule pack file (default rules/default.yaml)." };
        var urls = new Option<string?>("--urls") { Description = "Public decision API URLs, ';'-separated (default http://127.0.0.1:8080)." };
        var managementUrls = new Option<string?>("--management-urls") { Description = "Management URLs (health, metrics, admin), ';'-separated (default http://127.0.0.1:9091)." };
        var data = new Option<string?>("--data") { Description = "Data folder: audit log and persisted lists (default ./data)." };
        var durability = new Option<string?>("--durability") { Description = "Audit durability: fsync (default), batch or none." };
        durability.AcceptOnlyFromAmong("fsync", "batch", "none");

        var command = new Command("serve", "Run the decision service (public API and management port).")
        {
            config, pack, urls, managementUrls, data, durability,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            Set(settings, "Jiangwanli:Pack", parseResult.GetValue(pack));
            Set(settings, "Jiangwanli:Urls", parseResult.GetValue(urls));
            Set(settings, "Jiangwanli:ManagementUrls", parseResult.GetValue(managementUrls));
            Set(settings, "Jiangwanli:DataDirectory", parseResult.GetValue(data));
            Set(settings, "Jiangwanli:Audit:Durability", parseResult.GetValue(durability));
            var launch = new ServerLaunch
            {
                ConfigFile = parseResult.GetValue(config)?.FullName,
                Settings = settings,
            };
            return await RunAsync(launch, parseResult.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    /// <summary>Builds, runs and stops the service.</summary>
    internal static async Task<int> RunAsync(ServerLaunch launch, TextWriter error, CancellationToken cancellationToken)
    {
        var host = JiangwanliHost.Create(launch, error);
        if (host is null)
        {
            return 1;
        }

        await using (host)
        {
            try
            {
                return await host.RunAsync(cancellationToken);
            }
            catch (IOException e)
            {
                // Typically: an address is already in use.
                await error.WriteLineAsync($"error: cannot start: {e.Message}");
                return 1;
            }
        }
    }

    private static void Set(Dictionary<string, string?> settings, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            settings[key] = value;
        }
    }
}
