using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace WebDemo.Hosting;

/// <summary>
/// The largest input any page or API call may send, in characters, as the features declare it
/// (<see cref="InputLimitsRegistration.AddLargestInput"/>). SignalR's 32 KB default would cut a
/// page's circuit or a hub connection long before a task's own limits speak, so the circuits'
/// and the hub's message size and Kestrel's body size are sized from this.
/// </summary>
internal sealed class InputLimits
{
    /// <summary>The most characters one input of any feature may hold (a page's text box, a request's inputs).</summary>
    public int LargestInputCharacters { get; private set; } = 16_384;

    /// <summary>
    /// Bytes a message carrying that input may take: JSON may write a character as up to six
    /// bytes (<c>\uXXXX</c>), plus room for the rest of the message.
    /// </summary>
    public long MessageBytes => 6L * LargestInputCharacters + 64 * 1024;

    /// <summary>
    /// How long a circuit waits to hear from a browser (and the browser from the server, see
    /// App.razor) before it counts the connection as lost; SignalR's default is 30 s. A browser
    /// laying out the largest paste on a slow machine can keep its page's thread busy longer than
    /// that, and the circuit dropped meanwhile lost what had just been pasted.
    /// </summary>
    public static TimeSpan BusyBrowserTimeout { get; } = TimeSpan.FromMinutes(2);

    internal void Raise(int characters) => LargestInputCharacters = Math.Max(LargestInputCharacters, characters);
}

internal static class InputLimitsRegistration
{
    /// <summary>Raises the app's largest input to at least <paramref name="characters"/>.</summary>
    public static IServiceCollection AddLargestInput(this IServiceCollection services, int characters)
    {
        Limits(services).Raise(characters);
        return services;
    }

    /// <summary>
    /// Sizes Blazor circuits, the SignalR hub and request bodies to the largest input the
    /// features declare (read when the options are first built, after every feature registered).
    /// </summary>
    internal static IServiceCollection AddInputLimits(this IServiceCollection services, IServerSideBlazorBuilder blazor)
    {
        var limits = Limits(services);
        blazor.AddHubOptions(circuit =>
        {
            circuit.MaximumReceiveMessageSize = limits.MessageBytes;
            circuit.ClientTimeoutInterval = InputLimits.BusyBrowserTimeout;
        });
        services.AddSignalR(hub => hub.MaximumReceiveMessageSize = limits.MessageBytes);
        services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = limits.MessageBytes);
        return services;
    }

    private static InputLimits Limits(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(InputLimits))?.ImplementationInstance is InputLimits limits)
            return limits;
        limits = new InputLimits();
        services.AddSingleton(limits);
        return limits;
    }
}
