using System.Security.Cryptography;
using System.Text;

namespace WebDemo.Hosting;

/// <summary>The bearer tokens this app's own endpoints want (the operator's, the /v1 API key): read from the request, compared in constant time.</summary>
internal static class BearerTokens
{
    /// <summary>The token of <c>Authorization: Bearer &lt;token&gt;</c>, or null.</summary>
    public static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }

    /// <summary>Equal or not in the same time whatever the input: the hashes have one length, and FixedTimeEquals reads all of them.</summary>
    public static bool Matches(string? presented, string expected) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
