using System.Security.Cryptography;
using System.Text;

namespace Jiangwanli.Server.Hosting;

/// <summary>
/// Checks <c>Authorization: Bearer …</c> against <c>Jiangwanli:AdminToken</c> in constant time: both sides are
/// hashed with SHA-256 and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the
/// content nor the length of the token leaks through timing.
/// </summary>
internal sealed class AdminToken
{
    private readonly byte[]? _expectedHash;

    public AdminToken(string? token)
    {
        _expectedHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>True when a token is configured.</summary>
    public bool IsRequired => _expectedHash is not null;

    /// <summary>Checks an Authorization header value.</summary>
    /// <returns>200 when accepted, 401 when no bearer token was presented, 403 when it is wrong.</returns>
    public int Check(string? authorization)
    {
        if (_expectedHash is null)
        {
            return 200;
        }

        const string Scheme = "Bearer ";
        if (authorization is null
            || authorization.Length <= Scheme.Length
            || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return 401;
        }

        var presented = authorization.AsSpan(Scheme.Length).Trim();
        if (presented.IsEmpty)
        {
            return 401;
        }

        var bytes = Encoding.UTF8.GetBytes(presented.ToString());
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return CryptographicOperations.FixedTimeEquals(hash, _expectedHash) ? 200 : 403;
    }
}
