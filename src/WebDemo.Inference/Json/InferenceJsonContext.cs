using System.Text.Json.Serialization;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Json;

/// <summary>
/// The wire formats, source-generated: the Hugging Face task bodies and answers, and OpenAI's
/// chat completions. snake_case on the wire, as both specifications name their fields. The
/// app's API reads and writes these; the cloud client sends and reads the same records.
/// A new task adds its wire records here.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(TextClassificationInput))]
[JsonSerializable(typeof(IReadOnlyList<IReadOnlyList<LabelScore>>))]
[JsonSerializable(typeof(IReadOnlyList<LabelScore>))]
[JsonSerializable(typeof(TextToTextInput))]
[JsonSerializable(typeof(TextToImageInput))]
[JsonSerializable(typeof(IReadOnlyList<SummaryAnswer>))]
[JsonSerializable(typeof(IReadOnlyList<TranslationAnswer>))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(OpenAIError))]
[JsonSerializable(typeof(OpenAIModelList))]
[JsonSerializable(typeof(RouterModelListWire))]
[JsonSerializable(typeof(RouterModelWire))]
[JsonSerializable(typeof(RouterProviderWire))]
public sealed partial class InferenceJsonContext : JsonSerializerContext;
