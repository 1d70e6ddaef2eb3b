using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tasks.Chat;

/// <summary>
/// transformers.js 4.3.1's outputs on the repository's tiny random-weight Llama
/// (tests/models/llama-tiny-random/reference.json, made by make_reference.mjs there): greedy
/// generations (max_new_tokens 20), the first step's top-5 logits, chat-template renders and the
/// text-generation pipeline on chat messages. There on every clone.
/// </summary>
public static class TinyLlamaReference
{
    public sealed record Message(string Role, string Content);

    /// <param name="NewIds">The generated ids after the prompt, the end token (2) last when reached.</param>
    /// <param name="Decoded">decode(new_ids, skip_special_tokens).</param>
    public sealed record Generation(string Name, string Text, int[] InputIds, int[] NewIds, bool EndedAtEos, string Decoded);

    public sealed record Template(string Name, Message[] Messages, string Text, int[] Ids);

    public sealed record TopFive(int[] Ids, float[] Logits);

    public sealed record FirstStep(string Text, int[] InputIds, TopFive Top5);

    public sealed record PipelineParams(int MaxNewTokens, bool DoSample);

    public sealed record PipelineOutput(Message[] GeneratedText);

    public sealed record Pipeline(Message[] Messages, PipelineParams Params, PipelineOutput[] Output);

    private sealed record File(Generation[] Generations, Template[] Templates, FirstStep FirstStep, Pipeline[] Pipelines);

    private static readonly File Data = JsonSerializer.Deserialize<File>(
        System.IO.File.ReadAllText(Path.Combine(TestPaths.TinyLlamaModelDir, "reference.json")),
        new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;

    public static IReadOnlyList<Generation> Generations => Data.Generations;

    public static IReadOnlyList<Template> Templates => Data.Templates;

    /// <summary>The logits of the prompt's last position for "Hello world".</summary>
    public static FirstStep First => Data.FirstStep;

    public static IReadOnlyList<Pipeline> Pipelines => Data.Pipelines;

    public static TheoryData<string> GenerationNames => new(Data.Generations.Select(g => g.Name));

    public static TheoryData<string> TemplateNames => new(Data.Templates.Select(t => t.Name));

    public static TheoryData<int> PipelineIndexes => new(Enumerable.Range(0, Data.Pipelines.Length));
}
