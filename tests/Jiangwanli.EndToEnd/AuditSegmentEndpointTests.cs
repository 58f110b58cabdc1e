using System.Net;
using System.Text.Json;
using Jiangwanli.Audit;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>The management port lists the audit segments and streams one byte-for-byte.</summary>
public sealed class AuditSegmentEndpointTests
{
    [Fact]
    public async Task Segments_ListAndDownload_ServeTheFileOnDisk()
    {
        using var data = new TempDirectory();
        var server = await JwlServer.StartAsync(dataDirectory: data.Path, durability: "fsync");
        await using (server)
        {
            for (var i = 0; i < 3; i++)
            {
                using var decided = await server.DecideAsync($"{{\"id\":\"seg-{i}\",\"user\":\"u1\",\"amount\":5}}");
                Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
            }

            using var list = await server.Admin.GetAsync(new Uri("/admin/audit/segments", UriKind.Relative));
            var listBody = await list.Content.ReadAsStringAsync();
            Assert.True(list.StatusCode == HttpStatusCode.OK, listBody);
            using var json = JsonDocument.Parse(listBody);
            var first = json.RootElement[0];
            var name = first.GetProperty("name").GetString()!;
            Assert.Equal(1UL, first.GetProperty("firstSequence").GetUInt64());

            var bytes = await server.Admin.GetByteArrayAsync(new Uri($"/admin/audit/segments/{name}", UriKind.Relative));
            var onDisk = AuditReader.ListSegments(Path.Combine(data.Path, "audit")).Single(s => s.Name == name);
            Assert.Equal(first.GetProperty("bytes").GetInt64(), bytes.LongLength);
            var expected = await File.ReadAllBytesAsync(onDisk.Path);
            // The active segment is preallocated; the listing and the download cover its written part.
            Assert.True(bytes.Length > 0 && expected.AsSpan(0, bytes.Length).SequenceEqual(bytes), "the download differs from the file on disk");

            using var missing = await server.Admin.GetAsync(new Uri("/admin/audit/segments/..%2Fsecrets", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            using var noToken = await server.Management.GetAsync(new Uri("/admin/audit/segments", UriKind.Relative));
            Assert.True(noToken.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"without a token: {(int)noToken.StatusCode}");
        }
    }
}
