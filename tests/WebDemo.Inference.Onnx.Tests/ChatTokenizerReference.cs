using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using WebDemo.TestSupport;
using Xunit.Sdk;

namespace WebDemo.Inference.Onnx.Tests;

/// <summary>
/// transformers.js's ids and decodes for one causal-LM tokenizer kit, on the texts of
/// tests/reference/chat-tokenizer-texts.mjs: the real SmolLM2 (byte-level BPE) and TinyLlama
/// (SentencePiece BPE) kits in ../shared (Reference/*-tokenizer.json, made by
/// tests/reference/make-chat-tokenizer-reference.mjs) and the repository's own llama-tiny-random
/// fixture (its reference.json, made by its make_reference.mjs).
/// </summary>
public sealed class ChatTokenizerReference
{
    /// <summary>HuggingFaceTB/SmolLM2-135M-Instruct's byte-level BPE (third-party: its tests skip without ../shared).</summary>
    public const string SmolLm2 = "smollm2-instruct";

    /// <summary>TinyLlama-1.1B-Chat's SentencePiece BPE with byte fallback (third-party: skips without ../shared).</summary>
    public const string TinyLlama = "tinyllama-chat";

    /// <summary>The repository's tiny Llama (tests/models/llama-tiny-random): there on every clone.</summary>
    public const string TinyRandom = "llama-tiny-random";

    /// <param name="Ids">tokenizer(text).input_ids.</param>
    /// <param name="Decoded">decode(ids, { skip_special_tokens: true }).</param>
    /// <param name="DecodedWithSpecial">decode(ids, { skip_special_tokens: false }).</param>
    public sealed record Encoded(string Text, int[] Ids, string Decoded, string DecodedWithSpecial);

    /// <summary>An id sequence a generator might produce, and its decodes.</summary>
    public sealed record Generated(int[] Ids, string Decoded, string DecodedWithSpecial);

    private sealed record KitFile(string Generator, Encoded[] Encoded, Generated[] Generated);

    private sealed record Generation([property: JsonPropertyName("new_ids")] int[] NewIds, string Decoded, string DecodedWithSpecial);

    private sealed record FixtureFile(string Generator, Encoded[] Encoded, Generation[] Generations);

    private static readonly Dictionary<string, Lazy<ChatTokenizerReference>> Kits = new(StringComparer.Ordinal)
    {
        [SmolLm2] = new(() => FromKitFile(SmolLm2)),
        [TinyLlama] = new(() => FromKitFile(TinyLlama)),
        [TinyRandom] = new(FromFixture),
    };

    private ChatTokenizerReference(string name, string dir, bool needsShared, string generator, Encoded[] texts, Generated[] generated)
    {
        Name = name;
        Dir = dir;
        NeedsShared = needsShared;
        Generator = generator;
        Texts = texts;
        GeneratedSequences = generated;
    }

    private static ChatTokenizerReference FromKitFile(string name)
    {
        var file = JsonSerializer.Deserialize<KitFile>(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", $"{name}-tokenizer.json")),
            new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        return new(name, Path.Combine(TestPaths.TokenizersDir, name), needsShared: true, file.Generator, file.Encoded, file.Generated);
    }

    private static ChatTokenizerReference FromFixture()
    {
        var file = JsonSerializer.Deserialize<FixtureFile>(
            File.ReadAllText(Path.Combine(TestPaths.TinyLlamaModelDir, "reference.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        return new(TinyRandom, TestPaths.TinyLlamaModelDir, needsShared: false, file.Generator, file.Encoded,
            [.. file.Generations.Select(g => new Generated(g.NewIds, g.Decoded, g.DecodedWithSpecial))]);
    }

    /// <summary>The kit by name (<see cref="SmolLm2"/>, <see cref="TinyLlama"/> or <see cref="TinyRandom"/>).</summary>
    public static ChatTokenizerReference Kit(string name) => Kits[name].Value;

    /// <summary>Whether the kit's files are in ../shared (its reference is in the repository either way).</summary>
    public static bool KitNeedsShared(string name) => name != TinyRandom;

    public string Name { get; }

    /// <summary>The folder with the kit's files (tokenizer.json, tokenizer_config.json, …).</summary>
    public string Dir { get; }

    public bool NeedsShared { get; }

    public string Generator { get; }

    public IReadOnlyList<Encoded> Texts { get; }

    /// <summary>Sequences that do not come from encoding: seeded random ids for the kits, greedy generations for the fixture.</summary>
    public IReadOnlyList<Generated> GeneratedSequences { get; }

    /// <summary>Every id sequence with its decodes: the encoded texts', then the generated ones.</summary>
    public IReadOnlyList<Generated> AllSequences =>
        [.. Texts.Select(e => new Generated(e.Ids, e.Decoded, e.DecodedWithSpecial)), .. GeneratedSequences];

    public override string ToString() => Name;
}

/// <summary>
/// Theory rows (kit, index) for every encoded text or every id sequence of one chat-tokenizer kit;
/// reported as skipped, with a one-line reason, for a kit in ../shared where ../shared is absent.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ChatKitDataAttribute : DataAttribute
{
    /// <param name="sequences">Rows for every id sequence (encoded and generated) instead of every text.</param>
    public ChatKitDataAttribute(string kit, bool sequences = false)
    {
        Kit = kit;
        Sequences = sequences;
        if (ChatTokenizerReference.KitNeedsShared(kit) && !TestPaths.HasSharedModels)
            Skip = SharedFactAttribute.SkipReason($"the {kit} tokenizer kit");
    }

    public string Kit { get; }

    public bool Sequences { get; }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        var reference = ChatTokenizerReference.Kit(Kit);
        var count = Sequences ? reference.AllSequences.Count : reference.Texts.Count;
        return Enumerable.Range(0, count).Select(i => new object[] { Kit, i });
    }
}
