using System.Runtime.CompilerServices;
using Bunit;

namespace WebDemo.Tests;

internal static class BunitTimeouts
{
    /// <summary>
    /// bUnit waits (WaitForAssertion, WaitForState) succeed as soon as the state is there; the
    /// limit only bounds a real failure. One second (bUnit's default) fails on a busy machine,
    /// so every component test in this assembly waits up to this long.
    /// </summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Test-assembly wide setting, set once before any test runs.")]
    internal static void Generous() => BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(30);
}
