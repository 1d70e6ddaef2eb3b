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
        var csv = new StringBuilder(CsvRow(header));
        foreach (var row in rows)
            csv.Append(CsvRow(row.Select(value => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")));
        return csv.ToString();
    }

    /// <summary>One CSV record with its CRLF; fields with commas, quotes or line breaks are quoted, quotes doubled.</summary>
    public static string CsvRow(IEnumerable<string> fields) =>
        string.Join(',', fields.Select(Field)) + "\r\n";

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    /// <summary>
    /// A text cell that a spreadsheet will not run: one starting with = + - @, a tab or a carriage
    /// return gets a leading apostrophe (the OWASP advice against CSV formula injection).
    /// </summary>
    public static string SpreadsheetSafe(string cell) =>
        cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + cell : cell;
}
