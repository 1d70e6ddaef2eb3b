using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WebDemo.Components.Shared;

/// <summary>Results as files a visitor downloads: indented JSON, and CSV as RFC 4180 writes it.</summary>
internal static class ResultFiles
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Json(object value) => JsonSerializer.Serialize(value, Indented);

    /// <summary>A header row, then one row per item; fields with commas, quotes or line breaks are quoted.</summary>
    public static string Csv(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', header.Select(Field)).Append("\r\n");
        foreach (var row in rows)
            csv.AppendJoin(',', row.Select(value => Field(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""))).Append("\r\n");
        return csv.ToString();
    }

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
