namespace WebDemo.Inference.Onnx.Catalog;

/// <summary>The models this app runs locally (section "LocalModels"). Only these are served.</summary>
public sealed class LocalModelOptions
{
    public const string Section = "LocalModels";

    public List<LocalModelEntry> Models { get; set; } = [];
}

public sealed class LocalModelEntry
{
    /// <summary>A Hub id ("Xenova/distilbert-base-uncased-finetuned-sst-2-english") or a local folder.</summary>
    public string Id { get; set; } = "";

    /// <summary>The Hugging Face task name ("text-classification").</summary>
    public string Task { get; set; } = "text-classification";

    /// <summary>Which ONNX export to use, as transformers.js names them: fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4.</summary>
    public string Dtype { get; set; } = "fp32";

    /// <summary>The ONNX file in the repository for this dtype (transformers.js layout: onnx/model_quantized.onnx for q8).</summary>
    public string OnnxFile => "onnx/model" + Dtype.ToLowerInvariant() switch
    {
        "fp32" => "",
        "fp16" => "_fp16",
        "q8" => "_quantized",
        "int8" => "_int8",
        "uint8" => "_uint8",
        "q4" => "_q4",
        "q4f16" => "_q4f16",
        "bnb4" => "_bnb4",
        _ => throw new InvalidOperationException(
            $"Unknown dtype '{Dtype}' for local model '{Id}'; use fp32, fp16, q8, int8, uint8, q4, q4f16 or bnb4."),
    } + ".onnx";
}
