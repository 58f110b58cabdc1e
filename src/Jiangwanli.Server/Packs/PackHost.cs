using System.Text.Json;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Engine.Rules;
using Jiangwanli.Server.Telemetry;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Packs;

/// <summary>
/// Owns the engine and the admin operations on it: swapping the whole pack, replacing one list. Admin operations
/// are serialized (one lock); decisions never take it — the engine swaps packs and lists atomically.
/// </summary>
/// <remarks>
/// List replacements are persisted as <c>{data}/lists/{name}.json</c> and re-applied to every pack loaded
/// afterwards (at start and on a pack swap) whose list of that name has the same type, so an operator's list
/// update survives restarts and pack changes. Deleting the file and restarting (or re-putting the pack) returns
/// to the pack's own entries.
/// </remarks>
internal sealed class PackHost
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private readonly Lock _admin = new();
    private readonly ILogger _logger;

    public PackHost(DecisionEngine engine, string packPath, string? listsDirectory, ILogger<PackHost> logger)
    {
        Engine = engine;
        PackPath = packPath;
        BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(packPath)) ?? Directory.GetCurrentDirectory();
        ListsDirectory = listsDirectory;
        _logger = logger;
    }

    /// <summary>The engine every decision goes through.</summary>
    public DecisionEngine Engine { get; }

    /// <summary>The active pack.</summary>
    public RulePack Pack => Engine.Pack;

    /// <summary>The pack file the service started with.</summary>
    public string PackPath { get; }

    /// <summary>Folder list <c>file:</c> entries of a pack PUT through /admin/pack are relative to.</summary>
    public string BaseDirectory { get; }

    /// <summary>Where list replacements are persisted; null when not persisted (offline use).</summary>
    public string? ListsDirectory { get; }

    /// <summary>
    /// Finds a pack file: as given when absolute or present relative to the working directory, else relative to
    /// the application's folder (the published app carries rules/). Null when neither exists.
    /// </summary>
    public static string? ResolvePackPath(string configured)
    {
        ArgumentException.ThrowIfNullOrEmpty(configured);
        var fromWorkingDirectory = Path.GetFullPath(configured);
        if (File.Exists(fromWorkingDirectory) || Path.IsPathRooted(configured))
        {
            return File.Exists(fromWorkingDirectory) ? fromWorkingDirectory : null;
        }

        var fromApp = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, configured));
        return File.Exists(fromApp) ? fromApp : null;
    }

    /// <summary>Re-applies persisted list replacements to <paramref name="pack"/> (before it serves).</summary>
    public void RestoreListOverrides(RulePack pack)
    {
        if (ListsDirectory is null || !Directory.Exists(ListsDirectory))
        {
            return;
        }

        foreach (var (name, list) in pack.Lists)
        {
            var path = ListPath(name);
            if (!File.Exists(path))
            {
                continue;
            }

            if (!TryReadOverride(path, out var kind, out var entries, out var why))
            {
                Log.ListOverrideIgnored(_logger, path, why);
                continue;
            }

            if (kind != list.Kind)
            {
                Log.ListOverrideIgnored(_logger, path, $"it holds a {KindName(kind)} list; the pack's '{name}' is {KindName(list.Kind)}");
                continue;
            }

            if (!NamedList.TryValidate(kind, entries, out var error))
            {
                Log.ListOverrideIgnored(_logger, path, error ?? "invalid entries");
                continue;
            }

            list.Replace(entries);
            Log.ListRestored(_logger, name, path, list.Count);
        }
    }

    /// <summary>Validates a pack (YAML) and, when it loads, swaps it in; otherwise the active pack keeps serving.</summary>
    /// <returns>The errors (empty on success) and the version that was active before.</returns>
    public (RulePack? Pack, string Previous, IReadOnlyList<RuleDiagnostic> Errors) TrySwap(string yaml)
    {
        lock (_admin)
        {
            var previous = Engine.Pack.Version;
            var result = RulePackLoader.Load(yaml, BaseDirectory);
            if (!result.Success)
            {
                var first = result.Errors.Count > 0 ? result.Errors[0].ToString() : "unknown error";
                Log.PackRefused(_logger, result.Errors.Count, previous, first);
                return (null, previous, result.Errors);
            }

            RestoreListOverrides(result.Pack);
            Engine.Swap(result.Pack);
            Log.PackSwapped(_logger, previous, result.Pack.Version, result.Pack.Rules.Count);
            return (result.Pack, previous, []);
        }
    }

    /// <summary>Validates and atomically replaces one list of the active pack, persisting it first.</summary>
    public ListUpdate TryReplaceList(string name, IReadOnlyList<string> entries)
    {
        lock (_admin)
        {
            if (!Engine.Pack.Lists.TryGetValue(name, out var list))
            {
                return ListUpdate.NotFound(name);
            }

            if (!NamedList.TryValidate(list.Kind, entries, out var error))
            {
                return ListUpdate.Invalid(error ?? "invalid entries");
            }

            string? path = null;
            if (ListsDirectory is not null)
            {
                path = ListPath(name);
                WriteOverride(path, list.Kind, entries);
            }

            list.Replace(entries);
            Log.ListReplaced(_logger, name, list.Count, path ?? "(not persisted)");
            return ListUpdate.Replaced(list, path);
        }
    }

    /// <summary>True when a persisted replacement exists for the list.</summary>
    public bool IsPersisted(string name) => ListsDirectory is not null && File.Exists(ListPath(name));

    /// <summary>The JSON name of a list kind.</summary>
    public static string KindName(ListKind kind) => kind == ListKind.Ip ? "ip" : "string";

    private string ListPath(string name) => Path.Combine(ListsDirectory!, name + ".json");

    private static void WriteOverride(string path, ListKind kind, IReadOnlyList<string> entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var document = new PersistedList { Type = KindName(kind), Entries = [.. entries] };
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, document, s_indented);
            stream.Flush(flushToDisk: true);
        }

        // Atomic on POSIX: a reader (or a crash) sees the old file or the new one, never half of one.
        File.Move(temporary, path, overwrite: true);
    }

    private static bool TryReadOverride(string path, out ListKind kind, out List<string> entries, out string why)
    {
        kind = ListKind.String;
        entries = [];
        try
        {
            using var stream = File.OpenRead(path);
            var document = JsonSerializer.Deserialize<PersistedList>(stream);
            if (document?.Entries is null || document.Type is not ("string" or "ip"))
            {
                why = "expected { \"type\": \"string\" | \"ip\", \"entries\": [...] }";
                return false;
            }

            kind = document.Type == "ip" ? ListKind.Ip : ListKind.String;
            entries = document.Entries;
            why = string.Empty;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            why = e.Message;
            return false;
        }
    }

    /// <summary>The persisted form of a list replacement.</summary>
    private sealed class PersistedList
    {
        [System.Text.Json.Serialization.JsonPropertyName("type")]
        public string? Type { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("entries")]
        public List<string>? Entries { get; set; }
    }
}
