using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tasks.TextClassification;

/// <summary>
/// The text-classification task: validates a request, picks the backend that serves the model,
/// and wraps its stream with the final provenance. Every surface (page, hub, HTTP) calls this.
/// </summary>
public sealed class TextClassificationService(
    IEnumerable<ITextClassificationBackend> backends,
    IOptions<TextClassificationOptions> options)
{
    private readonly IReadOnlyList<ITextClassificationBackend> _backends = backends.ToList();

    public TextClassificationOptions Options => options.Value;

    /// <summary>Every model some backend serves, the default first.</summary>
    public IReadOnlyList<string> AvailableModels =>
        _backends.SelectMany(b => b.Models)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(m => m == Options.DefaultModel ? 0 : 1)
            .ToList();

    /// <summary>
    /// Validates at once (throwing <see cref="InferenceException"/> before anything streams, so
    /// the HTTP API can answer 4xx), then returns the stream.
    /// </summary>
    public IAsyncEnumerable<InferenceUpdate<ClassifiedText>> ClassifyAsync(
        TextClassificationRequest request, CancellationToken cancellationToken = default)
    {
        var call = Validate(request);
        var backend = _backends.FirstOrDefault(b => b.Models.Contains(call.Model))
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"Model '{call.Model}' is not served here. Available: {string.Join(", ", AvailableModels)}.");
        return RunAsync(backend, call, cancellationToken);
    }

    public TextClassificationCall Validate(TextClassificationRequest request)
    {
        var limits = Options;
        if (request.Inputs is null || request.Inputs.Count == 0 || request.Inputs.All(string.IsNullOrWhiteSpace))
            throw Invalid("Enter at least one text to classify.");
        if (request.Inputs.Count > limits.MaxInputs)
            throw Invalid($"Too many texts: {request.Inputs.Count}. At most {limits.MaxInputs} per request.");
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var text = request.Inputs[i];
            if (string.IsNullOrWhiteSpace(text))
                throw Invalid($"Text {i + 1} is empty.");
            if (text.Length > limits.MaxCharactersPerInput)
                throw Invalid($"Text {i + 1} is {text.Length:N0} characters long; at most {limits.MaxCharactersPerInput:N0} are accepted.");
        }
        if (request.TopK is < 1)
            throw Invalid("top_k must be a whole number of at least 1.");

        var model = string.IsNullOrWhiteSpace(request.Model) ? limits.DefaultModel : request.Model.Trim();
        return new TextClassificationCall(model, request.Inputs, request.TopK);
    }

    private static async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> RunAsync(
        ITextClassificationBackend backend, TextClassificationCall call,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        double? firstResultMs = null;
        var tokensIn = 0;
        await foreach (var update in backend.ClassifyAsync(call, cancellationToken).WithCancellation(cancellationToken))
        {
            if (update.Kind == UpdateKind.Partial && update.Partial is { } item)
            {
                firstResultMs ??= clock.Elapsed.TotalMilliseconds;
                tokensIn += item.TokenCount;
            }
            if (update.Kind != UpdateKind.Final)
                yield return update;
        }
        var total = clock.Elapsed.TotalMilliseconds;
        var attempts = new[] { new Attempt(backend.Provider, "ok", total) };
        yield return InferenceUpdate<ClassifiedText>.ForFinal(
            new Provenance(backend.Provider, call.Model, backend.Device, firstResultMs, total, attempts, TokensIn: tokensIn));
    }

    private static InferenceException Invalid(string message) => new(InferenceErrorKind.InvalidInput, message);
}
