using System.IO.Compression;
using Google.Protobuf;
using Jiangwanli.Runtime.Profiling.Pprof;
using ValueType = Jiangwanli.Runtime.Profiling.Pprof.ValueType;

namespace Jiangwanli.Runtime.Profiling.Formats;

/// <summary>
/// Writes a <see cref="CollectedProfile"/> as a gzip-compressed pprof <c>Profile</c> message
/// (Profiling/Pprof/profile.proto). Layout: one <c>Function</c> and one <c>Location</c> per
/// function (ids = function index + 1; managed code has no stable addresses), a single
/// <c>Mapping</c> marked <c>has_functions</c> so viewers do not try to symbolize, and one
/// <c>Sample</c> per distinct stack, leaf first.
/// </summary>
internal static class PprofWriter
{
    public static async Task WriteAsync(CollectedProfile profile, Stream destination, CancellationToken cancellationToken)
    {
        var bytes = Compress(ToMessage(profile).ToByteArray());
        await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    internal static Profile ToMessage(CollectedProfile profile)
    {
        var strings = new StringTable();
        var message = new Profile();
        foreach (var type in profile.SampleTypes)
        {
            message.SampleType.Add(new ValueType { Type = strings[type.Type], Unit = strings[type.Unit] });
        }

        message.Mapping.Add(new Mapping
        {
            Id = 1,
            Filename = strings[MainModuleName()],
            HasFunctions = true,
        });

        var used = new bool[profile.FunctionCount];
        var stack = new List<int>();
        for (var s = 0; s < profile.StackCount; s++)
        {
            stack.Clear();
            profile.StackLeafFirst(s, stack);
            var sample = new Sample();
            foreach (var function in stack)
            {
                used[function] = true;
                sample.LocationId.Add((ulong)function + 1);
            }

            for (var v = 0; v < profile.SampleTypes.Count; v++)
            {
                sample.Value.Add(profile.SampleValue(s, v));
            }

            message.Sample.Add(sample);
        }

        for (var f = 0; f < profile.FunctionCount; f++)
        {
            if (!used[f])
            {
                continue;
            }

            var id = (ulong)f + 1;
            message.Function.Add(new Function
            {
                Id = id,
                Name = strings[profile.FunctionName(f)],
                SystemName = strings[profile.FunctionSystemName(f)],
                Filename = strings[profile.FunctionModule(f)],
            });
            var location = new Location { Id = id, MappingId = 1 };
            location.Line.Add(new Line { FunctionId = id });
            message.Location.Add(location);
        }

        message.TimeNanos = (profile.StartedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        message.DurationNanos = profile.Duration.Ticks * 100;
        message.PeriodType = new ValueType { Type = strings[profile.PeriodType.Type], Unit = strings[profile.PeriodType.Unit] };
        message.Period = profile.Period;
        message.DefaultSampleType = strings[profile.SampleTypes[profile.DefaultSampleType].Type];
        foreach (var comment in profile.Comments)
        {
            message.Comment.Add(strings[comment]);
        }

        message.StringTable.AddRange(strings.Strings);
        return message;
    }

    private static byte[] Compress(byte[] raw)
    {
        using var buffer = new MemoryStream(raw.Length / 4 + 64);
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return buffer.ToArray();
    }

    private static string MainModuleName()
    {
        var name = AppDomain.CurrentDomain.FriendlyName;
        return string.IsNullOrEmpty(name) ? "dotnet" : name;
    }

    /// <summary>pprof's string table: index 0 is the empty string, each string appears once.</summary>
    private sealed class StringTable
    {
        private readonly Dictionary<string, long> _index = new(StringComparer.Ordinal) { [string.Empty] = 0 };

        public List<string> Strings { get; } = [string.Empty];

        public long this[string value]
        {
            get
            {
                if (!_index.TryGetValue(value, out var index))
                {
                    index = Strings.Count;
                    Strings.Add(value);
                    _index.Add(value, index);
                }

                return index;
            }
        }
    }
}
