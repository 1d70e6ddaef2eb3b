namespace WebDemo.Components.Layout;

/// <summary>
/// A task page, for the navigation drawer and the home page. Each feature registers its own
/// (<c>services.AddSingleton(new TaskPage(...))</c>); the layout lists what is registered.
/// </summary>
/// <param name="Sample">A one-line taste of what the page does, for the home page.</param>
internal sealed record TaskPage(string Title, string Href, string Icon, string Description, string? Sample = null);
