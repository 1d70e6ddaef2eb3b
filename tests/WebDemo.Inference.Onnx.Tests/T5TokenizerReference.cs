using System.Text.Json;

namespace WebDemo.Inference.Onnx.Tests;

/// <summary>
/// transformers.js's ids and decodes for the real t5-small tokenizer in ../shared
/// (Reference/t5-tokenizer.json, made by tests/reference/make-t5-tokenizer-reference.mjs).
/// </summary>
public static class T5TokenizerReference
{
    /// <param name="Ids">tokenizer(text).input_ids, not truncated.</param>
    /// <param name="Decoded">decode(ids, { skip_special_tokens: true }).</param>
    /// <param name="DecodedWithSpecial">decode(ids, { skip_special_tokens: false }).</param>
    public sealed record Encoded(string Text, int[] Ids, string Decoded, string DecodedWithSpecial);

    /// <param name="Ids">tokenizer(text, { truncation: true }).input_ids, as the summarization pipeline encodes.</param>
    public sealed record Truncation(string Text, int MaxLength, int[] Ids);

    /// <summary>An id sequence a generator might produce, and its decodes.</summary>
    public sealed record Generated(int[] Ids, string Decoded, string DecodedWithSpecial);

    private sealed record File(string Generator, Encoded[] Encoded, Truncation Truncation, Generated[] Generated);

    private static readonly File Data = JsonSerializer.Deserialize<File>(
        System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "t5-tokenizer.json")),
        new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    public static string Generator => Data.Generator;

    public static IReadOnlyList<Encoded> Texts => Data.Encoded;

    public static Truncation Truncated => Data.Truncation;

    public static IReadOnlyList<Generated> GeneratedSequences => Data.Generated;

    /// <summary>Every text by its position (texts with tabs, newlines and lone spaces make poor test names).</summary>
    public static TheoryData<int> TextIndexes => new(Enumerable.Range(0, Data.Encoded.Length));

    /// <summary>Every id sequence with its decodes: the encoded texts' and the generated ones.</summary>
    public static IEnumerable<Generated> AllSequences =>
        Data.Encoded.Select(e => new Generated(e.Ids, e.Decoded, e.DecodedWithSpecial)).Concat(Data.Generated);
}
