using System.Text.Json.Serialization;

namespace WebDemo.Inference.Streaming;

[JsonConverter(typeof(JsonStringEnumConverter<UpdateKind>))]
public enum UpdateKind
{
    /// <summary>Work before output: downloading or loading a model.</summary>
    Progress,
    /// <summary>One piece of output (a classified line, a token, a diffusion step).</summary>
    Partial,
    /// <summary>The end of the stream, with where the answer came from.</summary>
    Final,
}

/// <summary>
/// One item of a task's stream. Every task call is a stream of these: progress, partial
/// output, then exactly one final update carrying provenance. The pages, the SignalR hub and
/// the HTTP API all adapt this same stream.
/// </summary>
public sealed record InferenceUpdate<T>(
    UpdateKind Kind,
    T? Partial = default,
    ProgressInfo? Progress = null,
    Provenance? Provenance = null)
{
    public static InferenceUpdate<T> ForProgress(ProgressInfo progress) => new(UpdateKind.Progress, Progress: progress);
    public static InferenceUpdate<T> ForPartial(T item) => new(UpdateKind.Partial, Partial: item);
    public static InferenceUpdate<T> ForFinal(Provenance provenance) => new(UpdateKind.Final, Provenance: provenance);
}

/// <param name="Stage">A short machine-readable stage: "download", "load".</param>
/// <param name="Message">What is happening, in words for the page.</param>
/// <param name="Fraction">0..1 when the amount of work is known.</param>
public sealed record ProgressInfo(string Stage, string Message, double? Fraction = null)
{
    /// <summary>While waiting in a task's queue ("queue" stage): 1 for the next to start.</summary>
    public int? QueuePosition { get; init; }

    /// <summary>While waiting: how many wait in all.</summary>
    public int? QueueLength { get; init; }

    /// <summary>While waiting: about how many seconds until the call starts, once the queue has a measure of it.</summary>
    public double? EtaSeconds { get; init; }
}
