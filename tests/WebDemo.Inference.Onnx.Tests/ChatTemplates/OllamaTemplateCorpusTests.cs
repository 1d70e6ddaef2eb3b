using System.Text.Json.Nodes;
using WebDemo.TestSupport;
using Xunit.Abstractions;

namespace WebDemo.Inference.Onnx.Tests.ChatTemplates;

/// <summary>
/// Every chat template that @huggingface/ollama-utils ships (about 100 real models' templates, read from the
/// installed npm package at test time, never copied here), rendered in C# and by @huggingface/jinja on several
/// conversations: the outputs must be identical, and where the reference throws, C# must throw too.
/// </summary>
public sealed class OllamaTemplateCorpusTests(ITestOutputHelper output)
{
    private static JsonObject Message(string role, JsonNode content) => new() { ["role"] = role, ["content"] = content };

    private static JsonArray Text(string text) => [new JsonObject { ["type"] = "text", ["text"] = text }];

    /// <summary>The conversations each template is rendered on.</summary>
    private static IEnumerable<(string Name, JsonArray Messages, bool AddGenerationPrompt, JsonObject? Kwargs)> Conversations()
    {
        yield return ("system+user", [Message("system", "You are a helpful assistant."), Message("user", "Hello!")], true, null);
        yield return ("user", [Message("user", "What is 2 + 2?")], true, null);
        JsonArray multiTurn =
        [
            Message("user", "Hi there"),
            Message("assistant", "Hello! How can I help?"),
            Message("user", "Tell me a joke.\nA short one."),
        ];
        yield return ("multi-turn", multiTurn, false, null);
        yield return ("multi-turn+prompt", (JsonArray)multiTurn.DeepClone(), true, null);
        yield return ("system+multi-turn", [Message("system", "Be brief."), Message("user", "Hi"), Message("assistant", "Hey."), Message("user", "Bye")], true, null);
        yield return ("text-parts", [Message("user", Text("Describe this."))], true, null);
        // A tool round trip with tools passed, as an OpenAI-style chat request gives them.
        var call = new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "get_weather", ["arguments"] = new JsonObject { ["city"] = "Paris" } },
        };
        var assistant = Message("assistant", "");
        assistant["tool_calls"] = new JsonArray(call);
        var toolResult = Message("tool", "{\"temperature\": 21}");
        toolResult["name"] = "get_weather";
        var tool = new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = "get_weather",
                ["description"] = "Current weather in a city",
                ["parameters"] = JsonNode.Parse("""{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}"""),
            },
        };
        yield return ("tools", [Message("user", "Weather in Paris?"), assistant, toolResult], true, new JsonObject { ["tools"] = new JsonArray(tool) });
    }

    [Fact]
    public async Task Every_ollama_utils_template_renders_as_huggingface_jinja_does()
    {
        using var templates = await NodeClient.RunAsync("render-chat-templates.mjs", "@huggingface/ollama-utils", "--ollama");
        var entries = templates.RootElement.EnumerateArray()
            .Select(e => (Model: e.GetProperty("model").GetString()!, Template: e.GetProperty("template").GetString()!))
            .ToList();
        Assert.True(entries.Count >= 90, $"expected about 100 templates in @huggingface/ollama-utils, found {entries.Count}");

        var cases = entries.SelectMany(e => Conversations().Select(c =>
            new ReferenceRenderer.Case($"{e.Model} / {c.Name}", e.Template, c.Messages, c.AddGenerationPrompt, Kwargs: c.Kwargs))).ToList();
        var outcomes = await ReferenceRenderer.CompareAsync(cases);

        var failing = outcomes.Where(o => !o.Agrees).ToList();
        var failingTemplates = failing.Select(o => o.Case.Template).Distinct().Count();
        output.WriteLine($"{entries.Count} templates, {cases.Count} cases: {cases.Count - failing.Count} agree, {failing.Count} differ " +
            $"({failingTemplates} templates); reference threw in {outcomes.Count(o => o.ExpectedError is not null)} cases.");
        Assert.True(failing.Count == 0, $"{failing.Count} of {cases.Count} cases differ from @huggingface/jinja:\n| case | difference |\n|---|---|\n"
            + ReferenceRenderer.Report(failing));
    }
}
