namespace WebDemo.Components.Shared;

/// <summary>The "Use via API" examples: one call of a task endpoint in each language, ready to paste.</summary>
internal static class ApiSnippets
{
    /// <param name="endpoint">The full URL of the model's endpoint.</param>
    /// <param name="body">An example JSON body in the task's wire format.</param>
    /// <param name="pythonCall">huggingface_hub's InferenceClient call, as <c>summarization("...")</c> (the method named after the task).</param>
    /// <param name="jsCall">@huggingface/inference's call, as <c>summarization({ inputs: "..." })</c> (the method named after the task).</param>
    /// <param name="outputFile">For a task that answers with a file (an image): the name each example saves it as; null for JSON answers.</param>
    public static IReadOnlyList<(string Language, string Snippet)> For(string endpoint, string body, string pythonCall, string jsCall, string? outputFile = null) =>
    [
        ("curl", Lines([
            $"curl {endpoint} \\",
            "  -H \"Content-Type: application/json\" \\",
            outputFile is null ? $"  -d '{body}'" : $"  -d '{body}' \\",
            .. outputFile is null ? Array.Empty<string>() : [$"  --output {outputFile}"]])),
        ("Python", Lines(
            "from huggingface_hub import InferenceClient",
            "",
            $"client = InferenceClient(model=\"{endpoint}\")",
            outputFile is null ? $"print(client.{pythonCall})" : $"client.{pythonCall}.save(\"{outputFile}\")",
            "",
            "# or with requests",
            "import requests",
            "",
            $"response = requests.post(\"{endpoint}\", data='{body}'.encode(), headers={{\"Content-Type\": \"application/json\"}})",
            outputFile is null ? "print(response.json())" : $"open(\"{outputFile}\", \"wb\").write(response.content)")),
        ("JavaScript", Lines([
            "import { InferenceClient } from \"@huggingface/inference\";",
            .. outputFile is null ? Array.Empty<string>() : ["import { writeFile } from \"node:fs/promises\";"],
            "",
            $"const client = new InferenceClient().endpoint(\"{endpoint}\");",
            outputFile is null
                ? $"console.log(await client.{jsCall});"
                : $"const image = await client.{jsCall};\nawait writeFile(\"{outputFile}\", Buffer.from(await image.arrayBuffer()));"])),
        ("C#", Lines(
            "using System.Text;",
            "",
            "using var http = new HttpClient();",
            $"var body = new StringContent(\"{body.Replace("\"", "\\\"", StringComparison.Ordinal)}\", Encoding.UTF8, \"application/json\");",
            $"var response = await http.PostAsync(\"{endpoint}\", body);",
            outputFile is null
                ? "Console.WriteLine(await response.Content.ReadAsStringAsync());"
                : $"await File.WriteAllBytesAsync(\"{outputFile}\", await response.Content.ReadAsByteArrayAsync());")),
    ];

    private static string Lines(params string[] lines) => string.Join('\n', lines);
}
