using System.Reflection;
using Xunit.Sdk;

[assembly: WebDemo.E2E.ClosePagesAfterEachTest]

namespace WebDemo.E2E;

/// <summary>
/// Closes every browser context once a test ends. Without it the one shared chromium held every page
/// the earlier tests had opened, each with its live circuit on the app, and a slow CI machine ran the
/// later tests beside dozens of idle pages. Every test runs in the one collection, one after another,
/// so nothing another test still uses is closed.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ClosePagesAfterEachTestAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest)
    {
        if (PublishedApp.Current?.Browser is { } browser)
            Task.WhenAll(browser.Contexts.Select(context => context.CloseAsync())).GetAwaiter().GetResult();
    }
}
