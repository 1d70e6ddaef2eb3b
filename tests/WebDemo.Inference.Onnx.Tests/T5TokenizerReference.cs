using System.Reflection;
using System.Text.Json;
using WebDemo.TestSupport;
using Xunit.Sdk;

namespace WebDemo.Inference.Onnx.Tests;

/// <summary>
/// transformers.js's ids and decodes for one T5 tokenizer kit, made by
/// tests/reference/make-t5-tokenizer-reference.mjs: the real t5-small kit in ../shared
/// (Reference/t5-tokenizer.json) and the repository's own t5-tiny-random fixture
/// (Reference/t5-tiny-random-tokenizer.json), the same texts through both.
/// </summary>
public sealed class T5TokenizerReference
{
    /// <summary>The real t5-small kit in ../shared/models/_tokenizers (third-party: its tests skip without ../shared).</summary>
    public const string Small = "t5-small";

    /// <summary>The repository's tiny T5 (tests/models/t5-tiny-random): there on every clone.</summary>
    public const string TinyRandom = "t5-tiny-random";

    /// <param name="Ids">tokenizer(text).input_ids, not truncated.</param>
    /// <param name="Decoded">decode(ids, { skip_special_tokens: true }).</param>
    /// <param name="DecodedWithSpecial">decode(ids, { skip_special_tokens: false }).</param>
    public sealed record Encoded(string Text, int[] Ids, string Decoded, string DecodedWithSpecial);

    /// <param name="Ids">tokenizer(text, { truncation: true }).input_ids, as the summarization pipeline encodes.</param>
    public sealed record Truncation(string Text, int MaxLength, int[] Ids);

    /// <summary>An id sequence a generator might produce, and its decodes.</summary>
    public sealed record Generated(int[] Ids, string Decoded, string DecodedWithSpecial);

    private sealed record File(string Generator, string Tokenizer, Encoded[] Encoded, Truncation Truncation, Generated[] Generated);

    private static readonly Dictionary<string, T5TokenizerReference> Kits = new(StringComparer.Ordinal)
    {
        [Small] = new(Small, "t5-tokenizer.json", Path.Combine(TestPaths.TokenizersDir, "t5-small"), needsShared: true),
        [TinyRandom] = new(TinyRandom, "t5-tiny-random-tokenizer.json", TestPaths.TinyT5ModelDir, needsShared: false),
    };

    private readonly File _data;

    private T5TokenizerReference(string name, string file, string dir, bool needsShared)
    {
        Name = name;
        Dir = dir;
        NeedsShared = needsShared;
        _data = JsonSerializer.Deserialize<File>(
            System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", file)),
            new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>The kit by name (<see cref="Small"/> or <see cref="TinyRandom"/>).</summary>
    public static T5TokenizerReference Kit(string name) => Kits[name];

    public string Name { get; }

    /// <summary>The folder with the kit's files (spiece.model, tokenizer.json, tokenizer_config.json).</summary>
    public string Dir { get; }

    /// <summary>Whether the kit's files are in ../shared (its reference is in the repository either way).</summary>
    public bool NeedsShared { get; }

    public string Generator => _data.Generator;

    public IReadOnlyList<Encoded> Texts => _data.Encoded;

    public Truncation Truncated => _data.Truncation;

    public IReadOnlyList<Generated> GeneratedSequences => _data.Generated;

    /// <summary>Every id sequence with its decodes: the encoded texts' and the generated ones.</summary>
    public IReadOnlyList<Generated> AllSequences =>
        [.. _data.Encoded.Select(e => new Generated(e.Ids, e.Decoded, e.DecodedWithSpecial)), .. _data.Generated];

    public override string ToString() => Name;
}

/// <summary>What a <see cref="T5KitDataAttribute"/> row holds besides the kit's name.</summary>
public enum T5KitRows
{
    /// <summary>(kit): one row.</summary>
    Kit,

    /// <summary>(kit, index) for every encoded text (texts with tabs, newlines and lone spaces make poor test names).</summary>
    Texts,

    /// <summary>(kit, index) for every id sequence: the encoded texts', then the generated ones.</summary>
    Sequences,
}

/// <summary>
/// Theory rows for one T5 tokenizer kit, its name first. The rows of a kit whose files are in
/// ../shared are reported as skipped, with a one-line reason, where ../shared is absent; so one
/// theory with an attribute per kit runs the fixture's rows everywhere and t5-small's where it can.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class T5KitDataAttribute : DataAttribute
{
    public T5KitDataAttribute(string kit, T5KitRows rows = T5KitRows.Kit)
    {
        Kit = kit;
        Rows = rows;
        if (T5TokenizerReference.Kit(kit).NeedsShared && !TestPaths.HasSharedModels)
            Skip = SharedFactAttribute.SkipReason($"the {kit} tokenizer kit");
    }

    public string Kit { get; }

    public T5KitRows Rows { get; }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        var reference = T5TokenizerReference.Kit(Kit);
        return Rows switch
        {
            T5KitRows.Kit => [[Kit]],
            T5KitRows.Texts => Enumerable.Range(0, reference.Texts.Count).Select(i => new object[] { Kit, i }),
            T5KitRows.Sequences => Enumerable.Range(0, reference.AllSequences.Count).Select(i => new object[] { Kit, i }),
            _ => throw new InvalidOperationException($"Unknown rows {Rows}."),
        };
    }
}
