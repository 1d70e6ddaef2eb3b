using WebDemo.Inference.Onnx.ChatTemplates;

namespace WebDemo.Inference.Onnx.Tests.ChatTemplates;

/// <summary>The interpreter's language features and its errors, on small templates with known outputs.</summary>
public sealed class ChatTemplateLanguageTests
{
    private static string Render(string source, bool addGenerationPrompt = false, IReadOnlyDictionary<string, object?>? extra = null) =>
        ChatTemplate.Parse(source).Render([new("system", "Sys"), new("user", "Hi"), new("assistant", "Yo")], addGenerationPrompt, extra);

    [Fact]
    public void Unknown_filter_names_itself_and_its_line()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("line one\n{{ messages[0].content | frobnicate }}"));
        Assert.Contains("frobnicate", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_statement_names_itself_and_its_line()
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("{% if true %}\n\n{% include 'x' %}{% endif %}"));
        Assert.Contains("include", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Raise_exception_surfaces_the_templates_message()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"));
        Assert.Equal("System role not supported", error.Reason);
    }

    [Theory]
    [InlineData("{% for m in messages %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}", "1/3,2/3,3/3")]
    [InlineData("{% for m in messages if m.role != 'system' %}{{ loop.index0 }}{{ m.role }}{% else %}none{% endfor %}", "0user1assistant")]
    [InlineData("{% for m in [] %}x{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% set ns = namespace(found=false) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}", "true")]
    [InlineData("{% for m in messages[1:] %}{{ m.content }}{% endfor %}|{{ (messages | map(attribute='role') | list)[::-1] | join(',') }}", "HiYo|assistant,user,system")]
    [InlineData("{{ '  a b  '.strip().upper() ~ 1 ~ 'x'.startswith(('y', 'x')) }}", "A B1true")]
    [InlineData("{{ {'b': 1, 'a': [1, 2.5, none, 'é']} | tojson }}|{{ {'a': {'b': []}} | tojson(indent=2) }}", "{\"b\": 1, \"a\": [1, 2.5, null, \"é\"]}|{\n  \"a\": {\n    \"b\": []\n  }\n}")]
    [InlineData("{%- if x is defined -%} d {%- elif messages is iterable and 'user' in messages | map(attribute='role') -%} u {%- endif -%}", "u")]
    [InlineData("{% set s %}inner {{ 1 + 2 * 3 }}{% endset %}{{ s | trim }}/{{ 7 // 2 }}/{{ 7 / 2 }}/{{ 2 ** 3 }}/{{ -3 | abs }}", "inner 7/3/3.5/8/3")]
    [InlineData("{% macro tag(name, close=false) %}<{{ '/' if close }}{{ name }}>{% endmacro %}{{ tag('b') }}{{ tag('b', close=true) }}", "<b></b>")]
    [InlineData("{{ undefined_thing }}|{{ undefined_thing.attr is defined }}|{{ none is none }}|{{ messages | selectattr('role', 'equalto', 'user') | list | length }}", "|false|true|1")]
    [InlineData("  {% if true %}\nline\n  {% endif %}\nend", "line\nend")]
    [InlineData("{{ 'a,b,,c'.split(',') | length }}{{ 'Hello World'.replace('o', '0', 1) }}{{ 'x' * 0 if false else 'tail' | capitalize }}", "4Hell0 WorldTail")]
    [InlineData("{{ strftime_now('%d %B %Y') }}", "26 July 2024")]
    public void Renders_language_features(string source, string expected)
    {
        var template = ChatTemplate.Parse(source).WithSettings(new Dictionary<string, string>(), () => new DateTime(2024, 7, 26, 14, 5, 0, DateTimeKind.Local));
        Assert.Equal(expected, template.Render([new("system", "Sys"), new("user", "Hi"), new("assistant", "Yo")], addGenerationPrompt: false));
    }

    [Fact]
    public void Inputs_follow_transformers_js_tools_and_documents_are_null_and_extra_kwargs_pass_through()
    {
        Assert.Equal("true|true|en", Render("{{ tools is none }}|{{ add_generation_prompt }}|{{ lang }}", addGenerationPrompt: true,
            extra: new Dictionary<string, object?> { ["lang"] = "en" }));
    }

    [Fact]
    public void Content_parts_reach_the_template_as_a_list_of_dicts()
    {
        var template = ChatTemplate.Parse("{% for part in messages[0].content %}{{ part.type }}:{{ part.text }}{% endfor %}");
        var parts = new List<Dictionary<string, object?>> { new() { ["type"] = "text", ["text"] = "Look" } };
        Assert.Equal("text:Look", template.Render([new ChatTemplateMessage("user", parts)], addGenerationPrompt: false));
    }

    [Fact]
    public void Load_reads_the_default_of_a_named_template_list_and_added_token_dicts()
    {
        var dir = Directory.CreateTempSubdirectory("chat-template-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "tokenizer_config.json"), """
                {"bos_token": {"__type": "AddedToken", "content": "<s>"}, "eos_token": "</s>",
                 "chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"}]}
                """);
            var template = ChatTemplate.Load(dir.FullName)!;
            Assert.Equal("<s>Hi</s>", template.Render([new ChatTemplateMessage("user", "Hi")], addGenerationPrompt: false));

            File.WriteAllText(Path.Combine(dir.FullName, "chat_template.jinja"), "file {{ bos_token }}\n");
            Assert.Equal("file <s>", ChatTemplate.Load(dir.FullName)!.Render([], addGenerationPrompt: false));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
