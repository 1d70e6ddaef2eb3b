using System.Net;

namespace WebDemo.Hosting;

/// <summary>
/// The rate limit as a page applies it: the visitor's address, taken from the request that opened
/// the page (a circuit has no request of its own), against the same per-address budget as the hub
/// and the API. One per circuit. It also names the browser whose page runs a task, for usage accounting.
/// </summary>
internal sealed class PageAdmission(ClientRateLimits limits, BrowserIdentity? browser = null)
{
    public IPAddress? Client { get; private set; }

    /// <summary>The visitor's anonymous browser id, when the circuit has one.</summary>
    public string? BrowserId => browser?.Id;

    /// <summary>Set once, by the router, from the address of the request that rendered the page.</summary>
    public void Identify(string? address)
    {
        if (Client is null && IPAddress.TryParse(address, out var parsed))
            Client = parsed;
    }

    /// <summary>Null when a run may start; otherwise why not and when to try again, in words.</summary>
    public string? Refuse() => limits.TryStart(Client) is { } wait ? limits.Refusal(wait) : null;
}
