using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Status;

namespace WebDemo.Inference.Queueing;

/// <summary>One <see cref="TaskQueue"/> per task, made on first use with that task's limits; the Status page lists them.</summary>
public sealed class TaskQueues(IOptions<TaskQueueOptions> options) : IStatusContributor
{
    private readonly ConcurrentDictionary<string, TaskQueue> _queues = new(StringComparer.Ordinal);

    public TaskQueue For(string task) => _queues.GetOrAdd(task, name =>
    {
        var (concurrency, maxWaiting) = options.Value.LimitsFor(name);
        return new TaskQueue(name, concurrency, maxWaiting);
    });

    public IReadOnlyList<StatusSection> Describe()
    {
        var rows = _queues.Values.OrderBy(q => q.TaskName, StringComparer.Ordinal).Select(q =>
        {
            var (running, waiting, average) = q.Snapshot();
            return (IReadOnlyList<StatusCell>)
            [
                q.TaskName,
                $"{running} of {q.Concurrency}",
                new StatusCell([$"{waiting} of {q.MaxWaiting}"], waiting >= q.MaxWaiting && q.MaxWaiting > 0 ? new StatusChip("full", StatusTone.Bad) : null),
                average is { } a ? $"{a:0.###} s" : "–",
            ];
        }).ToList();
        return
        [
            new StatusSection(40, "Queues", "queues",
                [new StatusLine($"Local work runs at most {options.Value.Concurrency} calls per task at once by default; more wait their turn, up to {options.Value.MaxWaiting}.")],
                new StatusTable(["Task", "Running", "Waiting", "Time per call"], rows, "queue-table", "No local call has run yet."),
                Wide: true),
        ];
    }
}
