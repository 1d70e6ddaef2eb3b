namespace WebDemo.Components.Shared;

/// <summary>The "Use via API" examples: one call of a task endpoint in each language, ready to paste.</summary>
internal static class ApiSnippets
{
    /// <param name="endpoint">The full URL of the model's endpoint.</param>
    /// <param name="body">An example JSON body in the task's wire format.</param>
    /// <param name="pythonCall">huggingface_hub's InferenceClient call, as <c>summarization("...")</c> (the method named after the task).</param>
    /// <param name="jsCall">@huggingface/inference's call, as <c>summarization({ inputs: "..." })</c> (the method named after the task).</param>
    public static IReadOnlyList<(string Language, string Snippet)> For(string endpoint, string body, string pythonCall, string jsCall) =>
    [
        ("curl", Lines(
            $"curl {endpoint} \\",
            "  -H \"Content-Type: application/json\" \\",
            $"  -d '{body}'")),
        ("Python", Lines(
            "from huggingface_hub import InferenceClient",
            "",
            $"client = InferenceClient(model=\"{endpoint}\")",
            $"print(client.{pythonCall})",
            "",
            "# or with requests",
            "import requests",
            "",
            $"response = requests.post(\"{endpoint}\", data='{body}'.encode(), headers={{\"Content-Type\": \"application/json\"}})",
            "print(response.json())")),
        ("JavaScript", Lines(
            "import { InferenceClient } from \"@huggingface/inference\";",
            "",
            $"const client = new InferenceClient().endpoint(\"{endpoint}\");",
            $"console.log(await client.{jsCall});")),
        ("C#", Lines(
            "using System.Text;",
            "",
            "using var http = new HttpClient();",
            $"var body = new StringContent(\"{body.Replace("\"", "\\\"", StringComparison.Ordinal)}\", Encoding.UTF8, \"application/json\");",
            $"var response = await http.PostAsync(\"{endpoint}\", body);",
            "Console.WriteLine(await response.Content.ReadAsStringAsync());")),
    ];

    private static string Lines(params string[] lines) => string.Join('\n', lines);
}
