using System.Runtime.CompilerServices;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.TestSupport;

/// <summary>
/// A local text classifier whose calls start when the app lets them and finish only when the
/// test opens the gate: a way to hold the task's queue busy for as long as a test needs, with
/// no timing. Register it beside the real backend; it serves only <see cref="Model"/>.
/// </summary>
public sealed class GatedClassifier : ILocalTaskBackend<TextClassificationCall, ClassifiedText>
{
    public const string Model = "test/gated-classifier";

    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private TaskCompletionSource _startedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Provider => "local";
    public string? Device => "CPU";
    public IReadOnlyCollection<string> Models => [Model];

    /// <summary>Calls that have begun running (past the queue).</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Lets every held call, and every later one, finish.</summary>
    public void Open() => _gate.TrySetResult();

    /// <summary>Waits until at least <paramref name="count"/> calls are running.</summary>
    public async Task WaitForStartedAsync(int count, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (Started < count)
            await Volatile.Read(ref _startedSignal).Task.WaitAsync(cancel.Token);
    }

    public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
        TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        Interlocked.Exchange(ref _startedSignal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        for (var i = 0; i < call.Inputs.Count; i++)
            yield return InferenceUpdate<ClassifiedText>.ForPartial(
                new ClassifiedText(i, call.Inputs[i], [new LabelScore("POSITIVE", 0.75), new LabelScore("NEGATIVE", 0.25)], false, 3));
    }
}
