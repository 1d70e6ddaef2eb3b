using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Onnx.ChatTemplates;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.ChatTemplates;

/// <summary>
/// Renders the same cases with @huggingface/jinja (tests/clients/render-chat-templates.mjs, one node run) and with
/// <see cref="ChatTemplate"/>, and describes every difference.
/// </summary>
internal static class ReferenceRenderer
{
    public const string Package = "@huggingface/jinja";

    /// <summary>The clock the node script pins Date to (local time), so strftime_now agrees.</summary>
    public static readonly DateTime FixedNow = new(2024, 7, 26, 14, 5, 0, DateTimeKind.Local);

    public static readonly IReadOnlyDictionary<string, string> SpecialTokens = new Dictionary<string, string>
    {
        ["bos_token"] = "<s>",
        ["eos_token"] = "</s>",
        ["unk_token"] = "<unk>",
        ["pad_token"] = "<pad>",
    };

    public sealed record Case(string Name, string Template, JsonArray Messages, bool AddGenerationPrompt,
        IReadOnlyDictionary<string, string>? Tokens = null, JsonObject? Kwargs = null);

    public sealed record Outcome(Case Case, string? Expected, string? ExpectedError, string? Actual, string? ActualError)
    {
        public bool Agrees => ExpectedError is not null ? ActualError is not null : Actual == Expected;
    }

    public static async Task<List<Outcome>> CompareAsync(IReadOnlyList<Case> cases)
    {
        var payload = new JsonArray(cases.Select(c => (JsonNode)new JsonObject
        {
            ["template"] = c.Template,
            ["messages"] = c.Messages.DeepClone(),
            ["add_generation_prompt"] = c.AddGenerationPrompt,
            ["special_tokens"] = new JsonObject((c.Tokens ?? SpecialTokens).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["kwargs"] = c.Kwargs?.DeepClone(),
        }).ToArray());
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, payload.ToJsonString());
            using var reference = await NodeClient.RunAsync("render-chat-templates.mjs", Package, file);
            var results = reference.RootElement.EnumerateArray().ToList();
            return cases.Select((c, i) =>
            {
                var expected = results[i];
                var (actual, actualError) = RenderHere(c);
                return new Outcome(c,
                    expected.TryGetProperty("output", out var output) ? output.GetString() : null,
                    expected.TryGetProperty("error", out var error) ? error.GetString() : null,
                    actual, actualError);
            }).ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static (string?, string?) RenderHere(Case c)
    {
        try
        {
            var template = ChatTemplate.Parse(c.Template);
            template = template.WithSettings(c.Tokens ?? SpecialTokens, () => FixedNow);
            using var messages = JsonDocument.Parse(c.Messages.ToJsonString());
            using var kwargs = JsonDocument.Parse(c.Kwargs?.ToJsonString() ?? "{}");
            var extra = kwargs.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
            return (template.Render(messages.RootElement, c.AddGenerationPrompt, extra), null);
        }
        catch (ChatTemplateException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>A table of the failing cases, and how each one differs.</summary>
    public static string Report(IEnumerable<Outcome> outcomes)
    {
        var lines = new List<string>();
        foreach (var o in outcomes.Where(o => !o.Agrees))
        {
            var detail = o.ExpectedError is not null ? $"reference threw '{o.ExpectedError}', C# rendered"
                : o.ActualError is not null ? $"C# threw: {o.ActualError}"
                : $"differs at {FirstDifference(o.Expected!, o.Actual!)}: expected {Show(o.Expected!)} got {Show(o.Actual!)}";
            lines.Add($"| {o.Case.Name} | {detail} |");
        }
        return string.Join("\n", lines);
    }

    private static int FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
            i++;
        return i;
    }

    private static string Show(string s) => JsonSerializer.Serialize(s.Length > 300 ? s[..300] + "…" : s);
}
