using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>
/// A <c>jwl serve</c> of its own for the debug-endpoint tests: profiles are one at a time per process, so these
/// must not share the other tests' server.
/// </summary>
public sealed class DebugServerFixture : SharedServer;

/// <summary>
/// Issue 6 over HTTP against the real process: <c>/debug/gc</c>, <c>/debug/threadpool</c>, CPU profiles in the three
/// formats, one profile at a time, bad parameters, and the memory limit through <c>/admin/runtime</c>.
/// </summary>
public sealed class DebugEndpointTests(DebugServerFixture fixture) : IClassFixture<DebugServerFixture>
{
    private JwlServer Server => fixture.Server;

    [Fact]
    public async Task Gc_Get_ReturnsJsonWithCollectionsObject()
    {
        using var json = await GetJsonAsync("/debug/gc");
        Assert.True(json.RootElement.TryGetProperty("collections", out var collections), json.RootElement.GetRawText());
        Assert.Equal(JsonValueKind.Object, collections.ValueKind);
    }

    [Fact]
    public async Task ThreadPool_Get_ReturnsJsonObject()
    {
        using var json = await GetJsonAsync("/debug/threadpool");
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        Assert.True(json.RootElement.EnumerateObject().Count() > 1, json.RootElement.GetRawText());
    }

    [Fact]
    public async Task Debug_WithoutToken_IsRefused()
    {
        using var response = await Server.Management.GetAsync("/debug/gc");
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{(int)response.StatusCode}");
    }

    [Fact]
    public async Task Profile_Pprof_ReturnsGzippedProfileProto()
    {
        var bytes = await ProfileUnderLoadAsync("pprof");
        Assert.True(bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b, $"not gzip: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(16, bytes.Length)))}");

        using var gunzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        await gunzip.CopyToAsync(raw);
        var profile = PprofShape.Read(raw.ToArray());

        // profile.proto: sample_type = 1, sample = 2, location = 4, function = 5, string_table = 6 (string_table[0] is "").
        Assert.True(profile.SampleTypes > 0, "no sample_type");
        Assert.True(profile.Samples > 0, "no sample in a 1 s profile of a process under load");
        Assert.True(profile.Functions > 0, "no function");
        Assert.True(profile.Strings.Count > 1 && profile.Strings[0].Length == 0, $"string table: [{string.Join(", ", profile.Strings.Take(5))}]");
    }

    [Fact]
    public async Task Profile_Speedscope_ReturnsSpeedscopeJson()
    {
        var bytes = await ProfileUnderLoadAsync("speedscope");
        using var json = JsonDocument.Parse(bytes);
        var root = json.RootElement;
        Assert.Contains("speedscope", root.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("shared").GetProperty("frames").GetArrayLength() > 0, "no frames");
        Assert.True(root.GetProperty("profiles").GetArrayLength() > 0, "no profiles");
    }

    [Fact]
    public async Task Profile_Svg_ReturnsSvgDocument()
    {
        var text = Encoding.UTF8.GetString(await ProfileUnderLoadAsync("svg")).TrimStart('\uFEFF', ' ', '\r', '\n');
        Assert.True(text.StartsWith("<svg", StringComparison.Ordinal) || text.StartsWith("<?xml", StringComparison.Ordinal), text[..Math.Min(200, text.Length)]);
        Assert.Contains("</svg>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_TwoAtOnce_OneGets409()
    {
        var first = Server.Admin.GetAsync("/debug/pprof/profile?seconds=1&format=speedscope");
        var second = Server.Admin.GetAsync("/debug/pprof/profile?seconds=1&format=speedscope");
        using var a = await first;
        using var b = await second;
        var statuses = new[] { a.StatusCode, b.StatusCode }.Order().ToArray();
        Assert.True(
            statuses is [HttpStatusCode.OK, HttpStatusCode.Conflict],
            $"expected one 200 and one 409, got {(int)a.StatusCode} and {(int)b.StatusCode}: {await a.Content.ReadAsStringAsync()} / {await b.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("100000")]
    [InlineData("-1")]
    public async Task Profile_BadSeconds_Returns400NamingSeconds(string seconds)
    {
        using var response = await Server.Admin.GetAsync($"/debug/pprof/profile?seconds={Uri.EscapeDataString(seconds)}&format=pprof");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("seconds", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runtime_PutLimit_IsAppliedAndShownByGet()
    {
        using (var put = await Server.Admin.PutAsync("/admin/runtime", new StringContent("""{"limit":"1GiB"}""", Encoding.UTF8, "application/json")))
        {
            var body = await put.Content.ReadAsStringAsync();
            Assert.True(put.StatusCode == HttpStatusCode.OK, $"{(int)put.StatusCode} {body}");
        }

        using var json = await GetJsonAsync("/admin/runtime");
        var limit = json.RootElement.GetProperty("limit");
        Assert.True(limit.GetProperty("hardLimitBytes").GetInt64() == 1L << 30, limit.GetRawText());
    }

    [Theory]
    [InlineData("""{"limit":"lots"}""")]
    [InlineData("""{"limit":""")]
    [InlineData("not json")]
    public async Task Runtime_PutGarbage_Returns400(string body)
    {
        using var put = await Server.Admin.PutAsync("/admin/runtime", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.BadRequest, $"{(int)put.StatusCode} {text}");
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await Server.Admin.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Server.Failure($"GET {path}: {(int)response.StatusCode} {body}");
        }

        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return JsonDocument.Parse(body);
    }

    /// <summary>A 1 s CPU profile taken while decisions are being served, so there is something to sample.</summary>
    private async Task<byte[]> ProfileUnderLoadAsync(string format)
    {
        using var stop = new CancellationTokenSource();
        var load = LoadAsync(stop.Token);
        try
        {
            using var response = await Server.Admin.GetAsync($"/debug/pprof/profile?seconds=1&format={format}");
            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw Server.Failure($"profile {format}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
            }

            Assert.NotEmpty(bytes);
            return bytes;
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }
    }

    private async Task LoadAsync(CancellationToken stop)
    {
        // Bounded: stops when the profile is back (or after 100,000 requests).
        for (var n = 0; n < 100_000 && !stop.IsCancellationRequested; n++)
        {
            using var response = await Server.DecideAsync($"{{\"user\":\"debug-u{n % 13}\",\"amount\":{(n % 500) + 1}.0}}");
        }
    }

    /// <summary>Walks the protobuf wire format of a pprof <c>Profile</c> (the generated type is internal to Runtime).</summary>
    private sealed record PprofShape(int SampleTypes, int Samples, int Functions, List<string> Strings)
    {
        public static PprofShape Read(byte[] bytes)
        {
            var input = new CodedInputStream(bytes);
            int sampleTypes = 0, samples = 0, functions = 0;
            var strings = new List<string>();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        sampleTypes++;
                        input.SkipLastField();
                        break;
                    case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        samples++;
                        input.SkipLastField();
                        break;
                    case 5 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        functions++;
                        input.SkipLastField();
                        break;
                    case 6 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        strings.Add(input.ReadString());
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }

            return new PprofShape(sampleTypes, samples, functions, strings);
        }
    }
}
