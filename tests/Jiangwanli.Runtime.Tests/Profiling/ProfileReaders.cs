using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Jiangwanli.Runtime.Profiling;
using Jiangwanli.Runtime.Profiling.Pprof;

namespace Jiangwanli.Runtime.Tests.Profiling;

/// <summary>Reads the three output formats back, independently of the writers' code.</summary>
internal static partial class ProfileReaders
{
    public static async Task<byte[]> RenderAsync(CollectedProfile profile, ProfileFormat format)
    {
        using var stream = new MemoryStream();
        await profile.WriteAsync(stream, format);
        return stream.ToArray();
    }

    public static Profile ParsePprof(byte[] gzipped)
    {
        using var input = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        return Profile.Parser.ParseFrom(raw.ToArray());
    }

    /// <summary>Flat value per function name in column <paramref name="column"/>, with structural checks on the way.</summary>
    public static Dictionary<string, long> PprofFlat(Profile profile, int column)
    {
        Assert.Equal(string.Empty, profile.StringTable[0]);
        var functions = profile.Function.ToDictionary(f => f.Id);
        var locations = profile.Location.ToDictionary(l => l.Id);
        var flat = new Dictionary<string, long>();
        foreach (var sample in profile.Sample)
        {
            Assert.Equal(profile.SampleType.Count, sample.Value.Count);
            Assert.NotEmpty(sample.LocationId);
            foreach (var id in sample.LocationId)
            {
                Assert.True(locations.ContainsKey(id), $"location {id} missing");
            }

            var leaf = locations[sample.LocationId[0]];
            var function = functions[leaf.Line[0].FunctionId];
            var name = profile.StringTable[(int)function.Name];
            flat[name] = flat.GetValueOrDefault(name) + sample.Value[column];
        }

        foreach (var location in profile.Location)
        {
            Assert.All(location.Line, line => Assert.True(functions.ContainsKey(line.FunctionId)));
            Assert.True(location.MappingId == 0 || profile.Mapping.Any(m => m.Id == location.MappingId));
        }

        return flat;
    }

    /// <summary>Flat weight per frame name of one speedscope profile, checking the file's shape.</summary>
    public static Dictionary<string, double> SpeedscopeFlat(byte[] json, int profileIndex)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("https://www.speedscope.app/file-format-schema.json", root.GetProperty("$schema").GetString());
        var frames = root.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString()!).ToArray();
        var profile = root.GetProperty("profiles")[profileIndex];
        Assert.Equal("sampled", profile.GetProperty("type").GetString());
        var samples = profile.GetProperty("samples").EnumerateArray().ToArray();
        var weights = profile.GetProperty("weights").EnumerateArray().Select(w => w.GetDouble()).ToArray();
        Assert.Equal(samples.Length, weights.Length);
        Assert.Equal(weights.Sum(), profile.GetProperty("endValue").GetDouble());
        var flat = new Dictionary<string, double>();
        for (var i = 0; i < samples.Length; i++)
        {
            var stack = samples[i].EnumerateArray().Select(f => f.GetInt32()).ToArray();
            Assert.NotEmpty(stack);
            Assert.All(stack, f => Assert.InRange(f, 0, frames.Length - 1));
            var leaf = frames[stack[^1]]; // speedscope stacks run root → leaf
            flat[leaf] = flat.GetValueOrDefault(leaf) + weights[i];
        }

        return flat;
    }

    /// <summary>Each flame-graph box as (name, percent of the whole); the SVG must be well-formed XML.</summary>
    public static List<(string Name, double Percent)> SvgBoxes(byte[] svg)
    {
        var document = XDocument.Parse(System.Text.Encoding.UTF8.GetString(svg));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", document.Root!.Name);
        var boxes = new List<(string, double)>();
        foreach (var title in document.Descendants(ns + "title"))
        {
            var match = TitlePattern().Match(title.Value);
            Assert.True(match.Success, $"unexpected title '{title.Value}'");
            boxes.Add((match.Groups["name"].Value, double.Parse(match.Groups["pct"].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }

        return boxes;
    }

    [GeneratedRegex(@"^(?<name>.*) \((?<value>[^()]*), (?<pct>[0-9.]+)%\)$")]
    private static partial Regex TitlePattern();
}
