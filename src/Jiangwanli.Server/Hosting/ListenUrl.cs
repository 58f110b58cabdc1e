using System.Net;

namespace Jiangwanli.Server.Hosting;

/// <summary>
/// One listen URL, parsed: <c>http://127.0.0.1:8080</c>, <c>http://localhost:9091</c>, <c>http://[::1]:9091</c>,
/// <c>http://0.0.0.0:8080</c> or <c>http://*:8080</c>. Host names other than localhost are refused rather than
/// silently bound to every interface.
/// </summary>
internal sealed record ListenUrl(string Text, IPAddress? Address, int Port)
{
    /// <summary>True for <c>localhost</c> (bound on both loopback addresses).</summary>
    public bool IsLocalhost => Address is null;

    /// <summary>True when only this machine can connect.</summary>
    public bool IsLoopback => Address is null || IPAddress.IsLoopback(Address);

    /// <summary>Parses a ';'-separated list. Returns false with a message naming the bad URL.</summary>
    public static bool TryParseList(string? text, string setting, List<ListenUrl> into, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"{setting} is empty";
            return false;
        }

        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParse(part, out var url, out var why))
            {
                error = $"{setting}: '{part}' {why}";
                return false;
            }

            into.Add(url);
        }

        if (into.Count == 0)
        {
            error = $"{setting} is empty";
            return false;
        }

        return true;
    }

    public static bool TryParse(string text, out ListenUrl url, out string why)
    {
        url = null!;
        var normalized = text.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal)
            .Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
        {
            why = "is not a URL such as http://127.0.0.1:8080";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            why = "must use http (terminate TLS at the ingress or a sidecar)";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            why = "must not have a path";
            return false;
        }

        var port = uri.Port;
        if (port is < 0 or > 65535)
        {
            why = "has an invalid port";
            return false;
        }

        IPAddress? address;
        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = null;
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address))
        {
            why = "must name an IP address or localhost";
            return false;
        }

        url = new ListenUrl(text, address, port);
        why = string.Empty;
        return true;
    }
}
