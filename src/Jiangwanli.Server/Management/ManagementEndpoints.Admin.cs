using System.Buffers;
using System.Text;
using System.Text.Json;
using Jiangwanli.Engine.Rules;
using Jiangwanli.Server.Configuration;
using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Packs;
using Jiangwanli.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Management;

internal static partial class ManagementEndpoints
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The admin area (bearer token):
    /// <c>GET /admin/pack</c> (the active pack's YAML), <c>PUT /admin/pack</c> (validate, then swap atomically; a bad
    /// pack is refused with located errors and the old one keeps serving),
    /// <c>GET /admin/lists</c>, <c>GET /admin/lists/{name}</c>, <c>PUT /admin/lists/{name}</c> (a JSON array of
    /// strings, or newline-separated text; validated, persisted, replaced atomically).
    /// </summary>
    private static void MapAdmin(RouteGroupBuilder admin)
    {
        admin.MapGet("/pack", GetPackAsync);
        admin.MapPut("/pack", PutPackAsync);
        admin.MapGet("/lists", GetListsAsync);
        admin.MapGet("/lists/{name}", GetListAsync);
        admin.MapPut("/lists/{name}", PutListAsync);
    }

    private static Task GetPackAsync(HttpContext http)
    {
        var pack = http.RequestServices.GetRequiredService<PackHost>().Pack;
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/yaml; charset=utf-8";
        http.Response.Headers["X-Jiangwanli-Pack-Version"] = pack.Version;
        return http.Response.WriteAsync(pack.Source);
    }

    private static async Task PutPackAsync(HttpContext http)
    {
        var text = await ReadTextAsync(http);
        if (text is null)
        {
            return;
        }

        var packs = http.RequestServices.GetRequiredService<PackHost>();
        var (pack, previous, errors) = packs.TrySwap(text);
        if (pack is null)
        {
            await WriteJsonAsync(http, StatusCodes.Status400BadRequest, ProblemWriter.ContentType, w =>
            {
                var detail = $"{errors.Count} error(s); the active pack {previous} keeps serving";
                ProblemWriter.WriteStart(w, ProblemCatalog.InvalidPack, detail);
                WriteDiagnostics(w, errors);
                w.WriteEndObject();
            });
            return;
        }

        await WriteJsonAsync(http, StatusCodes.Status200OK, MediaTypes.Json, w =>
        {
            w.WriteStartObject();
            w.WriteString("version", pack.Version);
            w.WriteString("previous", previous);
            w.WriteNumber("rules", pack.Rules.Count);
            w.WriteNumber("features", pack.Features.Count);
            w.WriteNumber("lists", pack.Lists.Count);
            w.WriteEndObject();
        });
    }

    private static Task GetListsAsync(HttpContext http)
    {
        var packs = http.RequestServices.GetRequiredService<PackHost>();
        var pack = packs.Pack;
        return WriteJsonAsync(http, StatusCodes.Status200OK, MediaTypes.Json, w =>
        {
            w.WriteStartArray();
            foreach (var list in pack.Lists.Values.OrderBy(static l => l.Name, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("name", list.Name);
                w.WriteString("type", PackHost.KindName(list.Kind));
                w.WriteNumber("count", list.Count);
                w.WriteBoolean("persisted", packs.IsPersisted(list.Name));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static Task GetListAsync(HttpContext http)
    {
        var packs = http.RequestServices.GetRequiredService<PackHost>();
        var name = http.Request.RouteValues["name"] as string ?? string.Empty;
        if (!packs.Pack.Lists.TryGetValue(name, out var list))
        {
            return WriteProblemAsync(http, ProblemCatalog.ListNotFound, $"the active pack has no list '{name}'");
        }

        return WriteJsonAsync(http, StatusCodes.Status200OK, MediaTypes.Json, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", list.Name);
            w.WriteString("type", PackHost.KindName(list.Kind));
            w.WriteNumber("count", list.Count);
            w.WriteBoolean("persisted", packs.IsPersisted(list.Name));
            w.WriteStartArray("entries");
            foreach (var entry in list.Entries)
            {
                w.WriteStringValue(entry);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task PutListAsync(HttpContext http)
    {
        var packs = http.RequestServices.GetRequiredService<PackHost>();
        var name = http.Request.RouteValues["name"] as string ?? string.Empty;
        if (!packs.Pack.Lists.ContainsKey(name))
        {
            await WriteProblemAsync(http, ProblemCatalog.ListNotFound, $"the active pack has no list '{name}'");
            return;
        }

        var text = await ReadTextAsync(http);
        if (text is null)
        {
            return;
        }

        List<string> entries;
        if (MediaTypes.Classify(http.Request.ContentType) == BodyFormat.Json)
        {
            if (!TryParseJsonEntries(text, out entries, out var why))
            {
                await WriteProblemAsync(http, ProblemCatalog.InvalidList, why);
                return;
            }
        }
        else
        {
            entries = ParseTextEntries(text);
        }

        var update = packs.TryReplaceList(name, entries);
        switch (update.Status)
        {
            case ListUpdateStatus.NotFound:
                await WriteProblemAsync(http, ProblemCatalog.ListNotFound, update.Error!);
                return;
            case ListUpdateStatus.Invalid:
                await WriteProblemAsync(http, ProblemCatalog.InvalidList, $"list '{name}': {update.Error}; nothing changed");
                return;
        }

        await WriteJsonAsync(http, StatusCodes.Status200OK, MediaTypes.Json, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("type", PackHost.KindName(update.List!.Kind));
            w.WriteNumber("count", update.List.Count);
            w.WriteBoolean("persisted", update.PersistedPath is not null);
            w.WriteEndObject();
        });
    }

    /// <summary>Newline-separated entries, as in list files: trimmed, blank lines and '#' comments skipped.</summary>
    internal static List<string> ParseTextEntries(string text)
    {
        var entries = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length > 0 && line[0] != '#')
            {
                entries.Add(line);
            }
        }

        return entries;
    }

    /// <summary>A JSON array of strings.</summary>
    internal static bool TryParseJsonEntries(string text, out List<string> entries, out string why)
    {
        entries = [];
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                why = "a list sent as application/json must be a JSON array of strings";
                return false;
            }

            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                {
                    why = $"entry {index} is a {element.ValueKind.ToString().ToLowerInvariant()}, not a string";
                    return false;
                }

                entries.Add(element.GetString()!);
                index++;
            }

            why = string.Empty;
            return true;
        }
        catch (JsonException e)
        {
            why = "malformed JSON: " + e.Message;
            return false;
        }
    }

    /// <summary>Reads an admin body as strict UTF-8; answers 413/400 itself and returns null when it cannot.</summary>
    private static async Task<string?> ReadTextAsync(HttpContext http)
    {
        var limit = http.RequestServices.GetRequiredService<JiangwanliOptions>().Limits.MaxAdminBodyBytes;
        var body = await Decisions.BodyReader.ReadAsync(http.Request.BodyReader, http.Request.ContentLength, limit);
        try
        {
            if (body.TooLarge)
            {
                await WriteProblemAsync(http, ProblemCatalog.BodyTooLarge, $"an admin body may be at most {limit} bytes (Jiangwanli:Limits:MaxAdminBodyBytes)");
                return null;
            }

            try
            {
                return s_strictUtf8.GetString(body.Span);
            }
            catch (DecoderFallbackException)
            {
                await WriteProblemAsync(http, ProblemCatalog.BadRequest, "the body is not valid UTF-8");
                return null;
            }
        }
        finally
        {
            Decisions.BodyReader.Return(body);
        }
    }

    private static void WriteDiagnostics(Utf8JsonWriter w, IReadOnlyList<RuleDiagnostic> errors)
    {
        w.WriteStartArray("errors");
        foreach (var error in errors)
        {
            w.WriteStartObject();
            if (error.RuleId is not null)
            {
                w.WriteString("rule", error.RuleId);
            }
            else
            {
                w.WriteNull("rule");
            }

            w.WriteNumber("line", error.Line);
            w.WriteNumber("column", error.Column);
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static Task WriteProblemAsync(HttpContext http, ProblemType problem, string detail)
        => WriteJsonAsync(http, problem.Status, ProblemWriter.ContentType, w =>
        {
            ProblemWriter.WriteStart(w, problem, detail);
            w.WriteEndObject();
        });

    private static async Task WriteJsonAsync(HttpContext http, int status, string contentType, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory);
    }
}
