using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.TextClassification;

/// <summary>
/// The official @huggingface/inference client (npm, tests/clients) against the running app:
/// proof that the API really speaks the Hugging Face wire format, not just our idea of it.
/// scripts/test.sh installs the client; without node or the package this test fails, saying so.
/// </summary>
[Collection(ServerCollection.Name)]
public class HuggingFaceClientTests(WebDemoServer server)
{
    [Fact]
    public async Task The_official_js_client_gets_labels_and_readable_errors()
    {
        var model = SentimentModel.Current;
        using var doc = await NodeClient.RunAsync("hf-inference-client.mjs", "@huggingface/inference", server.BaseUrl, TestPaths.SentimentRepoId,
            model.PositiveText, model.NegativeText);

        var root = doc.RootElement;
        Assert.False(root.TryGetProperty("error", out var error), error.ToString());
        var single = root.GetProperty("single");
        Assert.Equal(2, single.GetArrayLength());
        Assert.Equal("POSITIVE", single[0].GetProperty("label").GetString());
        var topK = root.GetProperty("topK");
        Assert.Equal("NEGATIVE", Assert.Single(topK.EnumerateArray()).GetProperty("label").GetString());
        Assert.Contains("not served here", root.GetProperty("unknownModelError").GetString());
    }
}
