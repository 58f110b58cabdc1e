using System.Text.Json;

namespace Jiangwanli.Runtime.Profiling.Formats;

/// <summary>
/// Writes a <see cref="CollectedProfile"/> as a speedscope file
/// (https://www.speedscope.app/file-format-schema.json): shared frames, and one "sampled" profile
/// per value column of the profile (CPU: samples and nanoseconds; allocations: objects and bytes),
/// each listing the distinct stacks root first with their weights.
/// </summary>
internal static class SpeedscopeWriter
{
    private const int FlushThreshold = 1 << 16;

    public static async Task WriteAsync(CollectedProfile profile, Stream destination, CancellationToken cancellationToken)
    {
        var writer = new Utf8JsonWriter(destination);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("$schema", "https://www.speedscope.app/file-format-schema.json");
            writer.WriteString("exporter", "Jiangwanli.Runtime");
            writer.WriteString("name", Title(profile));
            writer.WriteNumber("activeProfileIndex", profile.DefaultSampleType);

            writer.WriteStartObject("shared");
            writer.WriteStartArray("frames");
            for (var f = 0; f < profile.FunctionCount; f++)
            {
                writer.WriteStartObject();
                writer.WriteString("name", profile.FunctionName(f));
                if (profile.FunctionModule(f).Length > 0)
                {
                    writer.WriteString("file", profile.FunctionModule(f));
                }

                writer.WriteEndObject();
                await FlushIfFullAsync(writer, cancellationToken).ConfigureAwait(false);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();

            var stack = new List<int>();
            writer.WriteStartArray("profiles");
            for (var v = 0; v < profile.SampleTypes.Count; v++)
            {
                var type = profile.SampleTypes[v];
                writer.WriteStartObject();
                writer.WriteString("type", "sampled");
                writer.WriteString("name", $"{type.Type} ({type.Unit})");
                writer.WriteString("unit", Unit(type.Unit));
                writer.WriteNumber("startValue", 0);
                writer.WriteNumber("endValue", profile.Total(v));
                writer.WriteStartArray("samples");
                for (var s = 0; s < profile.StackCount; s++)
                {
                    stack.Clear();
                    profile.StackLeafFirst(s, stack);
                    writer.WriteStartArray();
                    for (var i = stack.Count - 1; i >= 0; i--)
                    {
                        writer.WriteNumberValue(stack[i]);
                    }

                    writer.WriteEndArray();
                    await FlushIfFullAsync(writer, cancellationToken).ConfigureAwait(false);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("weights");
                for (var s = 0; s < profile.StackCount; s++)
                {
                    writer.WriteNumberValue(profile.SampleValue(s, v));
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                await FlushIfFullAsync(writer, cancellationToken).ConfigureAwait(false);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string Title(CollectedProfile profile) =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{AppDomain.CurrentDomain.FriendlyName} {(profile.Kind == ProfileKind.Cpu ? "cpu" : "allocations")} {profile.StartedAt:yyyy-MM-ddTHH:mm:ssZ} {profile.Duration.TotalSeconds:0.#}s");

    private static string Unit(string pprofUnit) => pprofUnit switch
    {
        "nanoseconds" => "nanoseconds",
        "bytes" => "bytes",
        _ => "none",
    };

    // Utf8JsonWriter buffers until flushed; flushing asynchronously keeps the writer off
    // synchronous stream I/O (which ASP.NET Core response bodies reject).
    private static ValueTask FlushIfFullAsync(Utf8JsonWriter writer, CancellationToken cancellationToken) =>
        writer.BytesPending >= FlushThreshold ? new ValueTask(writer.FlushAsync(cancellationToken)) : ValueTask.CompletedTask;
}
