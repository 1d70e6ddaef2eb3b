using System.Runtime.CompilerServices;
using System.Threading.Channels;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Tests.Features.TextClassification;

/// <summary>A backend the test feeds by hand, to see each update reach the page as it comes.</summary>
public sealed class ScriptedBackend : ILocalTaskBackend<TextClassificationCall, ClassifiedText>
{
    public const string Model = "test/sentiment";

    private readonly Channel<InferenceUpdate<ClassifiedText>> _updates = Channel.CreateUnbounded<InferenceUpdate<ClassifiedText>>();

    public string Provider => "scripted";
    public string? Device => "CPU";
    public IReadOnlyCollection<string> Models => [Model];
    public List<TextClassificationCall> Calls { get; } = [];
    public bool Cancelled { get; private set; }

    public void Send(int index, string text, string label, double score, bool truncated = false) =>
        _updates.Writer.TryWrite(InferenceUpdate<ClassifiedText>.ForPartial(new ClassifiedText(index, text,
            [new LabelScore(label, score), new LabelScore(label == "POSITIVE" ? "NEGATIVE" : "POSITIVE", 1 - score)],
            truncated, truncated ? 512 : 4)));

    public void SendProgress(string message, double? fraction) =>
        _updates.Writer.TryWrite(InferenceUpdate<ClassifiedText>.ForProgress(new ProgressInfo("download", message, fraction)));

    public void Finish(Exception? error = null) => _updates.Writer.TryComplete(error);

    public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
        TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Calls.Add(call);
        cancellationToken.Register(() => Cancelled = true);
        await foreach (var update in _updates.Reader.ReadAllAsync(cancellationToken))
            yield return update;
    }
}
