using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.Chat;

/// <summary>Tools, tool results and images through the app's OpenAI-compatible endpoint, with the fake router as its cloud.</summary>
[Collection(ServerCollection.Name)]
public class ChatToolsApiTests(WebDemoServer server)
{
    private const string WeatherTool =
        """{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "A city"}}, "required": ["city"]}}}""";

    private const string WeatherQuestion = """{"role": "user", "content": "What is the weather in Paris?"}""";

    /// <summary>Posts a body made of these members (JSON text each) to prov-b.</summary>
    private async Task<(HttpResponseMessage Response, string Body)> Post(params string[] members)
    {
        using var client = server.CreateClient();
        var body = $$"""{"model": "{{WebDemoServer.ChatModel}}:prov-b", {{string.Join(", ", members)}}}""";
        var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The one body the router received for the request this runs.</summary>
    private async Task<JsonElement> SentBy(Func<Task<(HttpResponseMessage Response, string Body)>> request)
    {
        var before = server.Router.Requests.Count;
        var (response, body) = await request();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var sent = JsonDocument.Parse(Assert.Single(server.Router.Requests.Skip(before)).Body);
        return sent.RootElement.Clone();
    }

    private static List<JsonElement> Chunks(string body) =>
        [.. body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l != "data: [DONE]").Select(l => JsonDocument.Parse(l[6..]).RootElement)];

    [Theory]
    [InlineData("\"auto\"")]
    [InlineData("\"none\"")]
    [InlineData("\"required\"")]
    [InlineData("""{"type": "function", "function": {"name": "get_weather"}}""")]
    public async Task Tools_and_tool_choice_reach_the_router_unchanged_in_meaning(string toolChoice)
    {
        var sent = await SentBy(() => Post($"\"messages\": [{WeatherQuestion}]", $"\"tools\": [{WeatherTool}]", $"\"tool_choice\": {toolChoice}"));

        using var tools = JsonDocument.Parse($"[{WeatherTool}]");
        Assert.True(JsonElement.DeepEquals(tools.RootElement, sent.GetProperty("tools")), sent.GetProperty("tools").GetRawText());
        using var expected = JsonDocument.Parse(toolChoice);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, sent.GetProperty("tool_choice")), sent.GetProperty("tool_choice").GetRawText());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Parallel_tool_calls_reaches_the_router(bool parallel)
    {
        var sent = await SentBy(() => Post($"\"messages\": [{WeatherQuestion}]", $"\"tools\": [{WeatherTool}]", $"\"parallel_tool_calls\": {(parallel ? "true" : "false")}"));

        Assert.Equal(parallel, sent.GetProperty("parallel_tool_calls").GetBoolean());
    }

    [Fact]
    public async Task A_tool_call_streams_back_in_openai_delta_shape()
    {
        var (response, body) = await Post("\"stream\": true", $"\"messages\": [{WeatherQuestion}]", $"\"tools\": [{WeatherTool}]");

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.EndsWith("data: [DONE]", body.TrimEnd());
        var chunks = Chunks(body);
        var call = Assert.Single(chunks.SelectMany(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("tool_calls", out var calls) ? calls.EnumerateArray() : []));
        Assert.Equal(0, call.GetProperty("index").GetInt32());
        Assert.Equal("call_fake1", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
        Assert.Equal(["tool_calls"], chunks.Select(c => c.GetProperty("choices")[0].GetProperty("finish_reason").GetString()).Where(r => r is not null));
    }

    [Fact]
    public async Task A_tool_call_comes_back_in_the_message_with_null_content()
    {
        var (response, body) = await Post($"\"messages\": [{WeatherQuestion}]", $"\"tools\": [{WeatherTool}]");

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        var choice = doc.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("call_fake1", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.False(call.TryGetProperty("index", out _));
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task A_tool_result_continues_the_conversation_at_the_router()
    {
        var sent = await SentBy(() => Post($"\"tools\": [{WeatherTool}]", $$$"""
            "messages": [
                {{{WeatherQuestion}}},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 °C"}
            ]
            """));

        var messages = sent.GetProperty("messages");
        var call = Assert.Single(messages[1].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("assistant", messages[1].GetProperty("role").GetString());
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
        Assert.Equal("tool", messages[2].GetProperty("role").GetString());
        Assert.Equal("call_1", messages[2].GetProperty("tool_call_id").GetString());
        Assert.Contains("Sunny, 21 °C", messages[2].GetProperty("content").ToString());
    }

    [Theory]
    [InlineData("https://example.com/cat.png")]
    [InlineData("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")]
    public async Task An_image_part_reaches_the_router(string url)
    {
        var sent = await SentBy(() => Post($$$"""
            "messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "{{{url}}}"}}]}]
            """));

        var parts = sent.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal("What is this?", parts[0].GetProperty("text").GetString());
        Assert.Equal("image_url", parts[1].GetProperty("type").GetString());
        Assert.Equal(url, parts[1].GetProperty("image_url").GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("""[{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]""", "'input_audio'")]
    [InlineData("""[{"type": "image_url", "image_url": {"url": "ftp://example.com/cat.png"}}]""", "image_url")]
    [InlineData("""[{"type": "image_url", "image_url": {"url": "data:text/plain;base64,AAAA"}}]""", "not an image")]
    [InlineData("""[{"text": "no type"}]""", "\"type\"")]
    public async Task A_content_part_this_server_cannot_pass_is_refused_by_name(string content, string named)
    {
        var before = server.Router.Requests.Count;

        var (response, body) = await Post($$"""
            "messages": [{"role": "user", "content": {{content}}}]
            """);

        AssertRefused(response, body, "\"messages[0].content\"", named);
        Assert.Equal(before, server.Router.Requests.Count);
    }

    [Theory]
    [InlineData("\"tools\": [{\"type\": \"function\", \"function\": {\"description\": \"no name\"}}]", "\"tools[0].function.name\"")]
    [InlineData("\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": \"city\"}}]", "\"tools[0].function.parameters\"")]
    [InlineData("\"tools\": [{\"type\": \"retrieval\"}]", "\"tools[0]\"")]
    [InlineData("\"tools\": {\"type\": \"function\"}", "\"tools\"")]
    [InlineData("\"tools\": [" + WeatherTool + "], \"tool_choice\": \"sometimes\"", "\"tool_choice\"")]
    [InlineData("\"tools\": [" + WeatherTool + "], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"other\"}}", "\"tool_choice\"")]
    [InlineData("\"tool_choice\": \"auto\"", "\"tool_choice\" needs \"tools\"")]
    public async Task Malformed_tools_are_refused_naming_the_field(string members, string named)
    {
        var before = server.Router.Requests.Count;

        var (response, body) = await Post($"\"messages\": [{WeatherQuestion}]", members);

        AssertRefused(response, body, named);
        Assert.Equal(before, server.Router.Requests.Count);
    }

    [Theory]
    [InlineData("""{"role": "tool", "content": "Sunny"}""", "\"messages[1].tool_call_id\"")]
    [InlineData("""{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "Paris"}}]}""", "\"messages[1].tool_calls[0].function.arguments\"")]
    [InlineData("""{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f"}}]}""", "\"messages[1].tool_calls[0]\"")]
    [InlineData("""{"role": "user", "content": "hi", "tool_calls": []}""", "\"messages[1].tool_calls\"")]
    public async Task Malformed_tool_messages_are_refused_naming_the_field(string message, string named)
    {
        var (response, body) = await Post($"\"messages\": [{WeatherQuestion}, {message}]");

        AssertRefused(response, body, named);
    }

    private static void AssertRefused(HttpResponseMessage response, string body, params string[] named)
    {
        Assert.True((int)response.StatusCode == 400, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        foreach (var name in named)
            Assert.Contains(name, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_official_openai_js_client_calls_tools_streamed_and_whole()
    {
        using var doc = await NodeClient.RunAsync("openai-tools-client.mjs", "openai", server.BaseUrl + "/v1", WebDemoServer.ChatModel + ":prov-b");

        foreach (var way in new[] { "streamed", "completion" })
        {
            var answer = doc.RootElement.GetProperty(way);
            Assert.Equal("tool_calls", answer.GetProperty("finishReason").GetString());
            var call = Assert.Single(answer.GetProperty("calls").EnumerateArray());
            Assert.Equal("call_fake1", call.GetProperty("id").GetString());
            Assert.Equal("get_weather", call.GetProperty("name").GetString());
            using var arguments = JsonDocument.Parse(call.GetProperty("arguments").GetString()!);
            Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
        }
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("completion").GetProperty("content").ValueKind);
    }

    [Fact]
    public async Task The_official_openai_dotnet_client_reads_text_and_tool_calls_streamed_and_whole()
    {
        var client = new ChatClient(WebDemoServer.ChatModel + ":prov-b", new ApiKeyCredential("unused-by-webdemo"),
            new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") });
        ChatMessage[] hello = [new UserChatMessage("Say hello")];
        ChatMessage[] weather = [new UserChatMessage("What is the weather in Paris?")];
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("get_weather", "The weather in a city", BinaryData.FromString("""{"type": "object", "properties": {"city": {"type": "string"}}}""")) },
        };

        ChatCompletion completion = await client.CompleteChatAsync(hello);
        Assert.Equal("Hello from prov-b!", Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);

        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync(hello))
            streamed.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        Assert.Equal("Hello from prov-b!", streamed.ToString());

        ChatCompletion called = await client.CompleteChatAsync(weather, options);
        Assert.Equal(ChatFinishReason.ToolCalls, called.FinishReason);
        var call = Assert.Single(called.ToolCalls);
        Assert.Equal(("call_fake1", "get_weather"), (call.Id, call.FunctionName));
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());

        var (id, name, arguments) = ("", "", new StringBuilder());
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync(weather, options))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                Assert.Equal(0, part.Index);
                id += part.ToolCallId;
                name += part.FunctionName;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal((ChatFinishReason.ToolCalls, "call_fake1", "get_weather"), (finish, id, name));
        Assert.Equal("Paris", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("city").GetString());
    }
}
