using System.Text.Json;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>
/// The JSON task endpoints of the router, typed: each sends the task's <c>{"inputs",
/// "parameters"}</c> and reads the answer in the shapes the hf-inference server and the
/// HF clients accept (a list or a single object), refusing anything else as malformed.
/// </summary>
public sealed class HfTaskShapes(HfTaskClient client)
{
    public async Task<SummarizationResult> SummarizeAsync(string provider, string model, string text, object? parameters, CancellationToken ct)
    {
        var body = await PostAsync(provider, model, new { inputs = text, parameters }, ct);
        return new SummarizationResult(Text(First(body, provider, "summarization"), "summary_text", provider, "summarization"));
    }

    public async Task<TranslationResult> TranslateAsync(string provider, string model, string text, object? parameters, CancellationToken ct)
    {
        var body = await PostAsync(provider, model, new { inputs = text, parameters }, ct);
        return new TranslationResult(Text(First(body, provider, "translation"), "translation_text", provider, "translation"));
    }

    public async Task<IReadOnlyList<TokenEntity>> ClassifyTokensAsync(string provider, string model, string text, CancellationToken ct)
    {
        var body = await PostAsync(provider, model, new { inputs = text, parameters = new { aggregation_strategy = "simple" } }, ct);
        if (body.ValueKind != JsonValueKind.Array)
            throw RouterErrors.Malformed(provider, "token-classification", "expected a list of entities");
        return body.EnumerateArray().Select(e => new TokenEntity(
            StringOf(e, "entity_group") ?? StringOf(e, "entity") ?? throw RouterErrors.Malformed(provider, "token-classification", "an entity has no group"),
            Number(e, "score", provider, "token-classification"),
            StringOf(e, "word") ?? "",
            IntOf(e, "start"), IntOf(e, "end"))).ToList();
    }

    public async Task<AnswerSpan> AnswerQuestionAsync(string provider, string model, string question, string context, CancellationToken ct)
    {
        var body = await PostAsync(provider, model, new { inputs = new { question, context } }, ct);
        var answer = First(body, provider, "question-answering");
        return new AnswerSpan(Text(answer, "answer", provider, "question-answering"),
            Number(answer, "score", provider, "question-answering"), IntOf(answer, "start"), IntOf(answer, "end"));
    }

    /// <summary>Zero-shot: the spec's <c>[{label, score}]</c>, or the older <c>{labels: [], scores: []}</c>.</summary>
    public async Task<IReadOnlyList<LabelScore>> ZeroShotAsync(
        string provider, string model, string text, IReadOnlyList<string> candidateLabels, bool multiLabel, CancellationToken ct)
    {
        var body = await PostAsync(provider, model, new { inputs = text, parameters = new { candidate_labels = candidateLabels, multi_label = multiLabel } }, ct);
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("labels", out var labels) && body.TryGetProperty("scores", out var scores)
            && labels.ValueKind == JsonValueKind.Array && scores.ValueKind == JsonValueKind.Array && labels.GetArrayLength() == scores.GetArrayLength())
            return labels.EnumerateArray().Zip(scores.EnumerateArray(), (l, s) => new LabelScore(l.GetString() ?? "", s.GetDouble())).ToList();
        if (body.ValueKind == JsonValueKind.Array)
            return body.EnumerateArray().Select(e => new LabelScore(
                StringOf(e, "label") ?? throw RouterErrors.Malformed(provider, "zero-shot-classification", "an item has no label"),
                Number(e, "score", provider, "zero-shot-classification"))).ToList();
        throw RouterErrors.Malformed(provider, "zero-shot-classification", "expected [{label, score}] or {labels, scores}");
    }

    private async Task<JsonElement> PostAsync(string provider, string model, object payload, CancellationToken ct) =>
        (await client.PostAsync(provider, model, payload, progress: null, ct).ConfigureAwait(false)).Body;

    private static JsonElement First(JsonElement body, string provider, string task) => body.ValueKind switch
    {
        JsonValueKind.Array when body.GetArrayLength() > 0 => body[0],
        JsonValueKind.Object => body,
        _ => throw RouterErrors.Malformed(provider, task, "expected an object or a list of them"),
    };

    private static string Text(JsonElement item, string name, string provider, string task) =>
        StringOf(item, name) ?? throw RouterErrors.Malformed(provider, task, $"no \"{name}\"");

    private static double Number(JsonElement item, string name, string provider, string task) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var v) && v.TryGetDouble(out var d)
            ? d : throw RouterErrors.Malformed(provider, task, $"no numeric \"{name}\"");

    private static string? StringOf(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? IntOf(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
