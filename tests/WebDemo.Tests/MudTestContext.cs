using Bunit;
using MudBlazor.Services;

namespace WebDemo.Tests;

/// <summary>A bUnit context for MudBlazor components: its services, and JS calls answered loosely (the page's JS is not under test here).</summary>
internal static class MudTestContext
{
    public static BunitContext Create()
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        return context;
    }
}
