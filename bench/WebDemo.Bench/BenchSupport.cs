using System.Globalization;

namespace WebDemo.Bench;

/// <summary>What every benchmark of this harness shares: its options, medians, and the machine's load.</summary>
internal static class BenchSupport
{
    /// <summary>An integer option (<c>--name 4</c>), or <paramref name="fallback"/>.</summary>
    public static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated option (<c>--name a,b</c>), or <paramref name="fallback"/> split the same way.</summary>
    public static string[] List(Dictionary<string, string> options, string name, string fallback) =>
        (options.GetValueOrDefault(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The median (the mean of the middle two for an even count); NaN when there are none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
            return double.NaN;
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The 1, 5 and 15 minute load averages, for the figures' context (a shared machine's neighbours).</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
