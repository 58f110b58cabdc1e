using System.Text.Json;

namespace Jiangwanli.Runtime.Memory;

/// <summary>
/// A run-time change to the governor, e.g. the body of <c>PUT /admin/runtime</c>:
/// <code>{ "limit": "2GiB" | "75%" | 2147483648 | null, "minLimit": "1GiB", "maxLimit": "3GiB", "adaptLatencyMode": true }</code>
/// An absent field leaves that setting alone; <c>"limit": null</c> (or <c>"none"</c>) removes the hard limit.
/// </summary>
public sealed class MemoryGovernorUpdate
{
    /// <summary>Whether <see cref="Limit"/> is part of the update.</summary>
    public bool SetsLimit { get; init; }

    /// <summary>The new hard limit; null with <see cref="SetsLimit"/> removes it.</summary>
    public MemoryLimit? Limit { get; init; }

    /// <summary>Whether the bounds are part of the update.</summary>
    public bool SetsBounds { get; init; }

    /// <summary>New lower bound of limit adaptation (null: no adaptation).</summary>
    public MemoryLimit? MinLimit { get; init; }

    /// <summary>New upper bound of limit adaptation (null: no adaptation).</summary>
    public MemoryLimit? MaxLimit { get; init; }

    /// <summary>New <see cref="MemoryGovernorOptions.AdaptLatencyMode"/>, if given.</summary>
    public bool? AdaptLatencyMode { get; init; }

    /// <summary>Parses the JSON body of <c>PUT /admin/runtime</c>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out MemoryGovernorUpdate? update, out string? error)
    {
        update = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "expected a JSON object";
                return false;
            }

            bool setsLimit = false, setsBounds = false;
            MemoryLimit? limit = null, min = null, max = null;
            bool? adapt = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "limit":
                        setsLimit = true;
                        if (!TryReadLimit(property.Value, out limit))
                        {
                            error = "limit: expected bytes, a size like \"2GiB\", a percentage like \"75%\", or null";
                            return false;
                        }

                        break;
                    case "minLimit":
                        setsBounds = true;
                        if (!TryReadLimit(property.Value, out min))
                        {
                            error = "minLimit: expected bytes, a size, a percentage, or null";
                            return false;
                        }

                        break;
                    case "maxLimit":
                        setsBounds = true;
                        if (!TryReadLimit(property.Value, out max))
                        {
                            error = "maxLimit: expected bytes, a size, a percentage, or null";
                            return false;
                        }

                        break;
                    case "adaptLatencyMode":
                        if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            error = "adaptLatencyMode: expected true or false";
                            return false;
                        }

                        adapt = property.Value.GetBoolean();
                        break;
                    default:
                        error = $"unknown field '{property.Name}'";
                        return false;
                }
            }

            update = new MemoryGovernorUpdate
            {
                SetsLimit = setsLimit,
                Limit = limit,
                SetsBounds = setsBounds,
                MinLimit = min,
                MaxLimit = max,
                AdaptLatencyMode = adapt,
            };
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = "invalid JSON: " + ex.Message;
            return false;
        }
    }

    private static bool TryReadLimit(JsonElement value, out MemoryLimit? limit)
    {
        limit = null;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.Number when value.TryGetInt64(out var bytes) && bytes > 0:
                limit = MemoryLimit.FromBytes(bytes);
                return true;
            case JsonValueKind.String:
                var text = value.GetString();
                if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                if (MemoryLimit.TryParse(text, out var parsed))
                {
                    limit = parsed;
                    return true;
                }

                return false;
            default:
                return false;
        }
    }
}

/// <summary>The result of <see cref="MemoryGovernor.Update"/>.</summary>
/// <param name="Succeeded">Whether every part of the update was applied.</param>
/// <param name="Message">Why not, when it failed.</param>
/// <param name="PreviousLimitBytes">The memory limit the GC had before.</param>
/// <param name="LimitBytes">The memory limit the GC reports now (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).</param>
public readonly record struct GovernorUpdateResult(bool Succeeded, string? Message, long PreviousLimitBytes, long LimitBytes);
