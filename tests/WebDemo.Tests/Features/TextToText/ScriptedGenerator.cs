using System.Runtime.CompilerServices;
using System.Threading.Channels;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Tests.Features.TextToText;

/// <summary>A local text generator for a page's bUnit tests: it writes what the test sends, piece by piece, and notes each call and its cancellation.</summary>
internal class ScriptedGenerator<TCall>(params string[] models) : ILocalTaskBackend<TCall, GeneratedText>
{
    private readonly Channel<InferenceUpdate<GeneratedText>> _updates = Channel.CreateUnbounded<InferenceUpdate<GeneratedText>>();

    public string Provider => "local";
    public string? Device => "CPU";
    public IReadOnlyCollection<string> Models => models;
    public List<TCall> Calls { get; } = [];
    public bool Cancelled { get; private set; }

    /// <param name="truncated">Whether the input was cut at the model's 512 tokens; null: not said.</param>
    public void Send(string text, int tokens = 1, bool? truncated = null) =>
        _updates.Writer.TryWrite(InferenceUpdate<GeneratedText>.ForPartial(new GeneratedText(text, tokens, truncated is null ? null : 512, truncated)));

    public void Finish() => _updates.Writer.TryComplete();

    public async IAsyncEnumerable<InferenceUpdate<GeneratedText>> StreamAsync(TCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Calls.Add(call);
        using var registration = cancellationToken.Register(() => Cancelled = true);
        await foreach (var update in _updates.Reader.ReadAllAsync(cancellationToken))
            yield return update;
    }
}
