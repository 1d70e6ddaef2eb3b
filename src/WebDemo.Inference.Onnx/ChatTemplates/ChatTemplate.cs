using System.Text.Json;

namespace WebDemo.Inference.Onnx.ChatTemplates;

/// <summary>One chat message as a template sees it: a role and text, or a list of content parts.</summary>
public sealed record ChatTemplateMessage(string Role, object? Content)
{
    /// <summary>Further keys (tool_calls, name…) placed after role and content.</summary>
    public IReadOnlyDictionary<string, object?>? Extra { get; init; }

    internal ObjectValue ToTemplateValue()
    {
        var value = new ObjectValue();
        value.Entries["role"] = new StringValue(Role);
        value.Entries["content"] = JinjaJson.FromObject(Content);
        foreach (var (key, item) in Extra ?? new Dictionary<string, object?>())
            value.Entries[key] = JinjaJson.FromObject(item);
        return value;
    }
}

/// <summary>
/// A model's Jinja chat template, rendered as transformers.js's <c>apply_chat_template</c> renders it with
/// @huggingface/jinja (trim_blocks and lstrip_blocks on; <c>messages</c>, <c>add_generation_prompt</c>,
/// <c>tools</c>, <c>documents</c>, the special tokens, then any extra variables).
/// </summary>
public sealed class ChatTemplate
{
    private readonly TemplateBody _program;

    private ChatTemplate(TemplateBody program, string source)
    {
        _program = program;
        Source = source;
    }

    public string Source { get; }

    /// <summary>Special tokens (bos_token, eos_token…) passed to every render; set by <see cref="Load"/>.</summary>
    public IReadOnlyDictionary<string, string> SpecialTokens { get; init; } = new Dictionary<string, string>();

    /// <summary>The clock strftime_now reads (local time, as JavaScript's Date); replaceable for tests.</summary>
    public Func<DateTime> Now { get; init; } = () => DateTime.Now;

    /// <exception cref="ChatTemplateException">The template has a syntax error or an unsupported statement.</exception>
    public static ChatTemplate Parse(string source) =>
        new(JinjaParser.Parse(JinjaLexer.Tokenize(source)), source);

    /// <exception cref="ChatTemplateException">The template raised, or used something unsupported.</exception>
    public string Render(
        IReadOnlyList<ChatTemplateMessage> messages,
        bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extra = null) =>
        Render((object)messages, addGenerationPrompt, extra);

    /// <summary>Renders messages given in any shape <see cref="JinjaJson.FromObject"/> takes (a JSON array, dictionaries).</summary>
    public string Render(object messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
    {
        // transformers.js builds one object: later keys replace earlier ones.
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
        };
        foreach (var (key, value) in SpecialTokens)
            variables[key] = value;
        foreach (var (key, value) in extra ?? new Dictionary<string, object?>())
            variables[key] = value;

        var globals = JinjaBuiltins.CreateGlobals(Now);
        var env = new JinjaScope(globals);
        foreach (var (key, value) in variables)
            env.Set(key, JinjaJson.FromObject(value));
        return new JinjaInterpreter().Run(_program, env);
    }

    /// <summary>The special-token names transformers.js passes to the template when the tokenizer has them.</summary>
    public static readonly IReadOnlyList<string> SpecialTokenNames =
        ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

    /// <summary>
    /// Reads a model folder's template: <c>chat_template.jinja</c> if present, else tokenizer_config.json's
    /// <c>chat_template</c> (a string, or a list of {name, template} where "default" is used), with the special
    /// tokens from tokenizer_config.json. Null when the model has no chat template.
    /// </summary>
    public static ChatTemplate? Load(string modelDirectory)
    {
        var configPath = Path.Combine(modelDirectory, "tokenizer_config.json");
        using var config = File.Exists(configPath) ? JsonDocument.Parse(File.ReadAllText(configPath)) : null;
        var root = config?.RootElement;

        string? source = null;
        var jinjaPath = Path.Combine(modelDirectory, "chat_template.jinja");
        if (File.Exists(jinjaPath))
            source = File.ReadAllText(jinjaPath);
        else if (root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("chat_template", out var template))
            source = TemplateFrom(template);
        if (source is null)
            return null;

        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root is { ValueKind: JsonValueKind.Object } obj)
        {
            foreach (var name in SpecialTokenNames)
            {
                if (obj.TryGetProperty(name, out var token) && TokenText(token) is { Length: > 0 } text)
                    tokens[name] = text;
            }
        }
        return Parse(source).WithSettings(tokens);
    }

    /// <summary>The same template with other special tokens and, optionally, another clock for strftime_now.</summary>
    public ChatTemplate WithSettings(IReadOnlyDictionary<string, string> specialTokens, Func<DateTime>? now = null) =>
        new(_program, Source) { SpecialTokens = specialTokens, Now = now ?? Now };

    private static string? TemplateFrom(JsonElement template)
    {
        if (template.ValueKind == JsonValueKind.String)
            return template.GetString();
        if (template.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var item in template.EnumerateArray())
        {
            if (item.TryGetProperty("name", out var name) && name.GetString() == "default"
                && item.TryGetProperty("template", out var text))
                return text.GetString();
        }
        return null;
    }

    /// <summary>A token as a string or as an AddedToken dict ({"content": …}).</summary>
    private static string? TokenText(JsonElement token) => token.ValueKind switch
    {
        JsonValueKind.String => token.GetString(),
        JsonValueKind.Object when token.TryGetProperty("content", out var content) => content.GetString(),
        _ => null,
    };
}
