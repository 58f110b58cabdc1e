using System.Diagnostics;
using System.Text;

namespace Jiangwanli.EndToEnd.Infrastructure;

/// <summary>The built <c>jwl</c> (jwl.dll next to the tests, or in the Cli project's output), run with <c>dotnet</c>.</summary>
internal static class Jwl
{
    private static readonly Lazy<string> s_dll = new(Locate);

    /// <summary>Full path of jwl.dll.</summary>
    public static string Dll => s_dll.Value;

    /// <summary>The folder of jwl.dll (holds rules/ and appsettings.json).</summary>
    public static string Folder => Path.GetDirectoryName(Dll)!;

    /// <summary>The default pack as shipped with jwl.</summary>
    public static string DefaultPack => Path.Combine(Folder, "rules", "default.yaml");

    /// <summary>A start description for <c>dotnet jwl.dll args…</c>.</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The child must not inherit settings meant for the test host.
        foreach (var key in info.Environment.Keys.Where(static k => k.StartsWith("JWL__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Jiangwanli__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Runs jwl to completion (bounded), returning exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, null, args))!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"jwl {string.Join(' ', args)} did not finish within {timeout}.\nstdout:\n{await output}\nstderr:\n{await error}");
        }

        return (process.ExitCode, await output, await error);
    }

    private static string Locate()
    {
        // 1. Copied next to the tests by the project reference.
        var here = Path.Combine(AppContext.BaseDirectory, "jwl.dll");
        if (File.Exists(here) && File.Exists(Path.Combine(AppContext.BaseDirectory, "jwl.runtimeconfig.json")))
        {
            return here;
        }

        // 2. The Cli project's own output: bin/<config>/net10.0 or an artifacts layout bin/Jiangwanli.Cli/<config>.
        var configuration = AppContext.BaseDirectory.Contains("release", StringComparison.OrdinalIgnoreCase) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string[] candidates =
            [
                Path.Combine(dir.FullName, "src", "Jiangwanli.Cli", "bin", configuration, "net10.0", "jwl.dll"),
                Path.Combine(dir.FullName, "Jiangwanli.Cli", configuration.ToLowerInvariant(), "jwl.dll"),
                Path.Combine(dir.FullName, "bin", "Jiangwanli.Cli", configuration.ToLowerInvariant(), "jwl.dll"),
            ];
            foreach (var candidate in candidates)
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"jwl.dll not found next to the tests ({AppContext.BaseDirectory}) nor in the Cli project's output; build src/Jiangwanli.Cli first.");
    }
}
