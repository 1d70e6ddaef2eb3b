using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace WebDemo.Bench;

/// <summary>
/// <c>-- memory</c>: how fast this machine reads memory, with 1 thread and with every core. On CPU a
/// decoder step of one sequence reads every weight of the model once, so its time per token can go
/// no lower than the model's bytes over this rate; the chat and T5 figures are read against it.
/// Option: <c>gib N</c> (the buffer read, default 1: far larger than any cache).
/// </summary>
internal static class MemoryBench
{
    public static int Run(Dictionary<string, string> options)
    {
        var floats = (long)BenchSupport.Int(options, "gib", 1) << 28;
        var data = new float[floats];
        data.AsSpan().Fill(1f); // touch every page before timing
        Console.WriteLine($"# Memory read rate ({floats * 4 / (1L << 30)} GiB buffer, best of 5 passes; load average {BenchSupport.LoadAverage()})");
        Console.WriteLine();
        Console.WriteLine("| threads | GB/s |");
        Console.WriteLine("|---|---|");
        foreach (var threads in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            var best = 0.0;
            for (var pass = 0; pass < 5; pass++)
            {
                var clock = Stopwatch.StartNew();
                var sums = new float[threads];
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                    sums[t] = Sum(data.AsSpan((int)(t * (floats / threads)), (int)(floats / threads))));
                best = Math.Max(best, floats * 4 / clock.Elapsed.TotalSeconds / 1e9);
                Checksum += sums.Sum(); // the sums are used, so the reads cannot be left out
            }
            Console.WriteLine($"| {threads} | {best:0.0} |");
        }
        return 0;
    }

    /// <summary>What the passes summed (kept so that no compiler can drop the reads).</summary>
    internal static double Checksum { get; private set; }

    private static float Sum(Span<float> values)
    {
        var total = Vector<float>.Zero;
        foreach (var vector in MemoryMarshal.Cast<float, Vector<float>>(values))
            total += vector;
        return Vector.Sum(total);
    }
}
