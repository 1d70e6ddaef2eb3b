using System.Diagnostics;
using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Api;

/// <summary>
/// The official @huggingface/inference client (npm, tests/clients) against the running app:
/// proof that the API really speaks the Hugging Face wire format, not just our idea of it.
/// scripts/test.sh installs the client; without node or the package this test fails, saying so.
/// </summary>
[Collection(ServerCollection.Name)]
public class HuggingFaceClientTests(WebDemoServer server)
{
    private static readonly string ClientDir = Path.Combine(TestPaths.RepoRoot, "tests", "clients");

    [Fact]
    public async Task The_official_js_client_gets_labels_and_readable_errors()
    {
        Assert.True(Directory.Exists(Path.Combine(ClientDir, "node_modules", "@huggingface", "inference")),
            "Run 'npm ci' in tests/clients (scripts/test.sh does) to install the Hugging Face JS client.");
        var start = new ProcessStartInfo("node", ["hf-inference-client.mjs", server.BaseUrl, TestPaths.SentimentRepoId])
        {
            WorkingDirectory = ClientDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var stdout = await node.StandardOutput.ReadToEndAsync();
        var stderr = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, stderr);

        using var doc = JsonDocument.Parse(stdout);
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
