using System.Net;
using System.Text;
using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.TextToText;

/// <summary>
/// Summarization and translation over the HF API on real Kestrel, with the repository's tiny T5
/// served as a Hub model: the answers are transformers.js's for the same files and settings
/// (tests/models/t5-tiny-random/reference.json), token for token.
/// </summary>
[Collection(ServerCollection.Name)]
public class TextToTextApiTests(WebDemoServer server)
{
    private const string Greedy = "\"num_beams\": 1, \"no_repeat_ngram_size\": 0, \"min_length\": 0";

    private async Task<HttpResponseMessage> PostAsync(string task, string body, string accept = "application/json")
    {
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/local/models/{TestPaths.T5RepoId}/pipeline/{task}")
        { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd(accept);
        return await client.SendAsync(request);
    }

    private static string Reference(string input) => TinyT5Reference.GreedyText(input);

    [Fact]
    public async Task Summarization_answers_the_hf_shape_with_transformers_js_text()
    {
        var response = await PostAsync("summarization",
            """{"inputs": "The quick brown fox jumps over the lazy dog.", "parameters": {"generate_parameters": {"max_new_tokens": 20, """ + Greedy + "}}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(Reference("summarize_short"), json.RootElement[0].GetProperty("summary_text").GetString());
        Assert.Equal("local", response.Headers.GetValues("x-inference-provider").Single());
    }

    [Fact]
    public async Task Translation_uses_the_pair_s_prefix_and_flat_parameters_work_too()
    {
        var response = await PostAsync("translation",
            """{"inputs": "The house is wonderful.", "parameters": {"src_lang": "en", "tgt_lang": "de", "max_new_tokens": 20, """ + Greedy + "}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(Reference("translate_de"), json.RootElement[0].GetProperty("translation_text").GetString());
    }

    [Fact]
    public async Task Streaming_sends_the_text_in_pieces_then_the_provenance_with_token_counts()
    {
        var response = await PostAsync("summarization",
            """{"inputs": "The quick brown fox jumps over the lazy dog.", "parameters": {"generate_parameters": {"max_new_tokens": 20, """ + Greedy + "}}}",
            "text/event-stream");

        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        var pieces = lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "Partial")
            .Select(e => e.GetProperty("partial").GetProperty("text").GetString()!).ToList();
        Assert.True(pieces.Count > 3, $"expected the text in several pieces, got {pieces.Count}");
        Assert.Equal(Reference("summarize_short"), string.Concat(pieces));
        var final = lines.Last(l => l.StartsWith("data: ", StringComparison.Ordinal));
        Assert.Contains("\"tokensOut\":20", final, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sampling_asked_for_samples_even_where_the_models_preset_searches_beams()
    {
        // The tiny T5's summarization preset asks for 4 beams, as t5-small's does; do_sample alone must still sample.
        var texts = new List<string>();
        foreach (var seed in new[] { 1, 2, 3, 1 })
        {
            var response = await PostAsync("summarization",
                $$$"""{"inputs": "The quick brown fox jumps over the lazy dog.", "parameters": {"do_sample": true, "seed": {{{seed}}}, "max_new_tokens": 12}}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            texts.Add(json.RootElement[0].GetProperty("summary_text").GetString()!);
        }

        Assert.True(texts.Take(3).Distinct().Count() > 1, "seeds 1, 2 and 3 gave the same text: " + texts[0]);
        Assert.Equal(texts[0], texts[3]); // the same seed, the same text
    }

    [Theory]
    [InlineData("summarization", """{"inputs": "   "}""", "Enter a text")]
    [InlineData("summarization", """{"inputs": "x", "parameters": {"max_new_tokens": 100000}}""", "max_new_tokens")]
    [InlineData("summarization", """{"inputs": "x", "parameters": {"generate_parameters": {"temperature": -1, "do_sample": true}}}""", "temperature")]
    [InlineData("summarization", """{"inputs": "x", "parameters": {"num_beams": 4, "do_sample": true}}""", "beams or sampling")]
    [InlineData("translation", """{"inputs": "x", "parameters": {"src_lang": "en", "tgt_lang": "es"}}""", "translates: en→de")]
    [InlineData("translation", """{"inputs": "x", "parameters": {"src_lang": "english!", "tgt_lang": "fr"}}""", "src_lang")]
    [InlineData("translation", """{"inputs": ["a", "b"]}""", "inputs")]
    public async Task Bad_input_gets_a_4xx_that_says_what_is_wrong(string task, string body, string expected)
    {
        var response = await PostAsync(task, body);

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
