using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace WebDemo.Components.Shared;

/// <summary>
/// The query of a page's address, read as a share link. A link is typed by people too: a value
/// that does not parse or is out of range reads as absent (null), never an error.
/// </summary>
public sealed class ShareLinkQuery(string uri)
{
    private readonly Dictionary<string, StringValues> _query = QueryHelpers.ParseQuery(new Uri(uri).Query);

    public string? Text(string name) => _query.TryGetValue(name, out var values) ? values.ToString() : null;

    public int? IntValue(string name, int min, int max) =>
        int.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : null;

    public long? LongValue(string name, long min, long max) =>
        long.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : null;

    public double? DoubleValue(string name, double min, double max) =>
        double.TryParse(Text(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : null;
}
