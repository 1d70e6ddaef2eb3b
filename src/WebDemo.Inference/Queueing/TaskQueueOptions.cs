using System.ComponentModel.DataAnnotations;

namespace WebDemo.Inference.Queueing;

/// <summary>
/// How much local work runs at once, and how much may wait (section "Queue"). Each task has a
/// queue of its own; <see cref="Tasks"/> overrides the defaults for one task by its name
/// ("text-classification", "chat", ...).
/// </summary>
public sealed class TaskQueueOptions
{
    public const string Section = "Queue";

    /// <summary>Requests of one task that run on this machine at the same time.</summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Requests of one task that may wait for a slot; one more is refused with 503 and Retry-After.</summary>
    [Range(0, 100_000)]
    public int MaxWaiting { get; set; } = 256;

    public Dictionary<string, TaskQueueLimits> Tasks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public (int Concurrency, int MaxWaiting) LimitsFor(string task) =>
        Tasks.TryGetValue(task, out var own)
            ? (own.Concurrency ?? Concurrency, own.MaxWaiting ?? MaxWaiting)
            : (Concurrency, MaxWaiting);
}

public sealed class TaskQueueLimits
{
    [Range(1, 1024)]
    public int? Concurrency { get; set; }

    [Range(0, 100_000)]
    public int? MaxWaiting { get; set; }
}
