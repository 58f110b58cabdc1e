using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;

namespace Jiangwanli.Cli.Commands;

/// <summary><c>jwl profile</c>: fetch a CPU or allocation profile from a running server's management port.</summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The server's management URL.", DefaultValueFactory = _ => "http://127.0.0.1:9091" };
        var seconds = new Option<int>("--seconds") { Description = "How long to sample (1-60).", DefaultValueFactory = _ => 10 };
        var format = new Option<string>("--format") { Description = "pprof (gzipped protobuf, for go tool pprof), speedscope (JSON) or svg (flame graph).", DefaultValueFactory = _ => "pprof" };
        format.AcceptOnlyFromAmong("pprof", "speedscope", "svg");
        var kind = new Option<string>("--kind") { Description = "cpu or allocs.", DefaultValueFactory = _ => "cpu" };
        kind.AcceptOnlyFromAmong("cpu", "allocs");
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the profile.", Required = true };
        var token = new Option<string?>("--token") { Description = "Admin bearer token (default: the JWL_ADMIN_TOKEN environment variable)." };
        var command = new Command("profile", "Fetch a CPU or allocation profile of a running server (e.g. then: go tool pprof -http=:8080 cpu.pb.gz).")
        {
            url, seconds, format, kind, output, token,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetValue(kind) == "allocs" ? "allocs" : "profile";
            var uri = string.Create(
                CultureInfo.InvariantCulture,
                $"{parseResult.GetValue(url)!.TrimEnd('/')}/debug/pprof/{path}?seconds={parseResult.GetValue(seconds)}&format={parseResult.GetValue(format)}");
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(parseResult.GetValue(seconds) + 60) };
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            var bearer = parseResult.GetValue(token) ?? Environment.GetEnvironmentVariable("JWL_ADMIN_TOKEN");
            if (!string.IsNullOrEmpty(bearer))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"profile: {(int)response.StatusCode} {response.ReasonPhrase}: {body}"));
                    return 1;
                }

                var file = parseResult.GetValue(output)!;
                await using var stream = file.Create();
                await response.Content.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
                parseResult.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"profile: wrote {stream.Length} bytes to {file.FullName}"));
                return 0;
            }
            catch (HttpRequestException e)
            {
                error.WriteLine($"profile: cannot reach {uri}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
