namespace WebDemo.Features.Compare;

/// <summary>
/// The figures the Compare page reports for a set of measurements: percentiles by linear
/// interpolation between the closest ranks (numpy's and Excel's PERCENTILE.INC default), and the
/// sample standard deviation (n − 1). Each is null for an empty set.
/// </summary>
internal static class LatencyStatistics
{
    /// <summary>The <paramref name="percent"/>th percentile (0..100) of <paramref name="values"/>.</summary>
    public static double? Percentile(IEnumerable<double> values, double percent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            return null;
        var rank = percent / 100 * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }

    public static double? Mean(IEnumerable<double> values)
    {
        var list = values as IReadOnlyCollection<double> ?? values.ToList();
        return list.Count == 0 ? null : list.Average();
    }

    /// <summary>The sample standard deviation; 0 for one value.</summary>
    public static double? StandardDeviation(IEnumerable<double> values)
    {
        var list = values as IReadOnlyCollection<double> ?? values.ToList();
        if (list.Count == 0)
            return null;
        if (list.Count == 1)
            return 0;
        var mean = list.Average();
        return Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
    }

    /// <summary>Minimum, quartiles and maximum, for a box plot; null for an empty set.</summary>
    public static FiveNumbers? FiveNumberSummary(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? null
            : new FiveNumbers(list.Min(), Percentile(list, 25)!.Value, Percentile(list, 50)!.Value, Percentile(list, 75)!.Value, list.Max());
    }
}

public sealed record FiveNumbers(double Min, double Q1, double Median, double Q3, double Max);
