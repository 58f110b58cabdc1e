using System.Net;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Where a run sends its requests: an <c>http://</c> URL split into what the raw client needs (the endpoint to connect
/// to, the <c>Host</c> header, the request target). Only loopback hosts are accepted unless remote targets are allowed:
/// the tool is a load generator, and pointing it at somebody else's machine by mistake is an attack.
/// </summary>
internal sealed class BenchTarget
{
    private BenchTarget(string name, Uri url, string hostHeader, string pathAndQuery)
    {
        Name = name;
        Url = url;
        HostHeader = hostHeader;
        PathAndQuery = pathAndQuery;
    }

    /// <summary>Short name in reports (<c>bare</c>, or the URL).</summary>
    public string Name { get; }

    /// <summary>The full request URL.</summary>
    public Uri Url { get; }

    /// <summary>The <c>Host</c> header value (<c>host:port</c>).</summary>
    public string HostHeader { get; }

    /// <summary>The request target (<c>/v1/decisions</c>).</summary>
    public string PathAndQuery { get; }

    /// <summary>True when the host is a loopback address or <c>localhost</c>.</summary>
    public bool IsLoopback => IsLoopbackHost(Url.Host);

    /// <summary>
    /// Validates <paramref name="url"/>: absolute, <c>http</c>, and loopback unless <paramref name="allowRemote"/>.
    /// A URL without a path posts to <paramref name="defaultPath"/>.
    /// </summary>
    public static bool TryCreate(string name, string url, bool allowRemote, string defaultPath, out BenchTarget? target, out string error)
    {
        target = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            error = $"'{url}' is not an absolute URL.";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"'{url}': only http:// is supported (the client speaks plain HTTP/1.1).";
            return false;
        }

        if (!allowRemote && !IsLoopbackHost(uri.Host))
        {
            error = $"'{uri.Host}' is not a loopback address; jwl bench is a load generator and refuses remote targets unless --allow-remote is given.";
            return false;
        }

        var path = uri.PathAndQuery is "" or "/" ? defaultPath : uri.PathAndQuery;
        var final = new Uri(uri, path);
        target = new BenchTarget(name, final, uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}", path);
        error = string.Empty;
        return true;
    }

    /// <summary>True for <c>localhost</c>, 127.0.0.0/8 and ::1 (IPv4-mapped forms included).</summary>
    public static bool IsLoopbackHost(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var trimmed = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (!IPAddress.TryParse(trimmed, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address);
    }

    /// <summary>Resolves the host to the endpoint the client connects to (<c>localhost</c> is 127.0.0.1, no lookup).</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        var host = Url.Host;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, Url.Port);
        }

        var trimmed = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(trimmed, out var address))
        {
            return new IPEndPoint(address, Url.Port);
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new InvalidOperationException($"'{host}' did not resolve.");
        }

        var chosen = Array.Find(addresses, static a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses[0];
        return new IPEndPoint(chosen, Url.Port);
    }
}
