using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Onnx.ChatTemplates;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.ChatTemplates;

/// <summary>The chat templates of the real tokenizer kits in ../shared, loaded from their folders (never copied here).</summary>
public sealed class TokenizerKitTemplateTests
{
    private static string KitDir(string kit) => Path.Combine(TestPaths.TokenizersDir, kit);

    private static JsonObject Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    [SharedTheory("the smollm2-instruct and tinyllama-chat tokenizer kits")]
    [InlineData("smollm2-instruct")]
    [InlineData("tinyllama-chat")]
    public async Task Kit_template_renders_as_huggingface_jinja_does(string kit)
    {
        var template = ChatTemplate.Load(KitDir(kit));
        Assert.NotNull(template);
        JsonArray[] conversations =
        [
            [Message("system", "Be brief."), Message("user", "Hi!")],
            [Message("user", "Hi!")],
            [Message("user", "Hi"), Message("assistant", "Hello."), Message("user", "How are you?")],
        ];
        var cases = conversations.SelectMany(c => new[] { false, true }.Select(prompt =>
            new ReferenceRenderer.Case($"{kit} / {c.Count} messages / prompt={prompt}", template.Source, c, prompt, template.SpecialTokens))).ToList();

        var outcomes = await ReferenceRenderer.CompareAsync(cases);

        Assert.All(outcomes, o => Assert.Null(o.ExpectedError));
        Assert.True(outcomes.All(o => o.Agrees), ReferenceRenderer.Report(outcomes));
    }

    [SharedFact("the smollm2-instruct tokenizer kit and its VERIFIED.txt")]
    public void SmolLM2_matches_the_prompts_transformers_js_rendered()
    {
        var template = ChatTemplate.Load(KitDir("smollm2-instruct"))!;
        Assert.Equal("<|im_start|>", template.SpecialTokens["bos_token"]);
        Assert.Equal("<|im_end|>", template.SpecialTokens["eos_token"]);

        var withSystem = template.Render([new("system", "Be brief."), new("user", "Hi!")], addGenerationPrompt: true);
        var withoutSystem = template.Render([new ChatTemplateMessage("user", "Hi!")], addGenerationPrompt: true);

        // The JSON lines of VERIFIED.txt, written by transformers.js 4.3.1.
        var verified = File.ReadAllLines(Path.Combine(KitDir("smollm2-instruct"), "VERIFIED.txt"));
        string Verified(string prefix) => JsonSerializer.Deserialize<string>(
            verified.Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[(prefix.Length)..].Trim())!;
        Assert.Equal(Verified("JSON:"), withSystem);
        Assert.Equal(Verified("apply_chat_template([{user:'Hi!'}] (no system), {tokenize:false, add_generation_prompt:true}) JSON:"), withoutSystem);
    }
}
