using System.Text.Json.Serialization;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Tasks.TextClassification;

/// <summary>
/// The Hugging Face Inference API body of text classification, as the app's API reads it and
/// the cloud client sends it: <c>{"inputs": "text" | ["t1", ...], "parameters": {"top_k": n}}</c>.
/// The answer is one <c>[{label, score}, ...]</c> list per input.
/// </summary>
public sealed record TextClassificationInput(
    [property: JsonConverter(typeof(OneOrManyStringsConverter))] IReadOnlyList<string>? Inputs,
    TextClassificationParameters? Parameters = null);

/// <param name="FunctionToApply">Part of the HF spec; refused here, since scores use the model's own function.</param>
public sealed record TextClassificationParameters(int? TopK = null, string? FunctionToApply = null);
