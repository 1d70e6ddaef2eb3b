using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>
/// Bills the router's calls to an organization (<see cref="CloudOptions.BillTo"/>), as the Hugging
/// Face clients do with their <c>bill_to</c> / <c>billTo</c> option: the header
/// <c>X-HF-Bill-To: &lt;organization&gt;</c> on every request to the router. It is on the router's
/// client only: neither the operator's OpenAI-compatible servers nor a provider's file hosts get it.
/// </summary>
internal sealed partial class BillTo(IOptions<CloudOptions> options) : DelegatingHandler
{
    public const string Header = "X-HF-Bill-To";

    /// <summary>What a Hub organization's name may be (letters, digits, '-', '_' and '.', starting with a letter or digit), or nothing: no billing header.</summary>
    public static bool IsValid(string? organization) => string.IsNullOrEmpty(organization) || OrganizationName().IsMatch(organization);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex OrganizationName();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (options.Value.BillTo is { Length: > 0 } organization)
        {
            request.Headers.Remove(Header); // a retried request passes here again
            request.Headers.TryAddWithoutValidation(Header, organization);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
