using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.Chat;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Onnx.Tasks.TextToText;

namespace WebDemo.Bench;

/// <summary>
/// <c>-- device --ep cuda</c>: does an execution provider compute what the CPU computes? Loads the
/// sentiment, T5 and chat models twice through the app's loader, once on the CPU and once on the
/// provider asked for (fp32 on both sides: Onnx:PreferFp16OnCuda off), and compares sentiment scores
/// (within 1e-3) and greedy ids (equal). By default the repository's tiny fixtures; <c>--sentiment</c>,
/// <c>--t5</c> and <c>--chat</c> name other model folders (the realistic-size random models of the
/// other benchmarks). Exits 1 when anything differs or the provider did not load. The speed figures
/// come from the other benchmarks run with <c>--ep</c> (bench/README.md, "On a GPU").
/// </summary>
internal static class DeviceCheck
{
    private const double ScoreTolerance = 1e-3;

    private static readonly string[] Texts =
    [
        "I love this movie, the acting was wonderful!", "The plot was dull and the ending made no sense.",
        "Café déjà vu: naïve résumé!", "東京 is a big city", "so good🙂 really", string.Join(' ', Enumerable.Repeat("A long, winding review that goes on.", 80)),
    ];

    private static readonly string[] T5Inputs =
    [
        "summarize: The quick brown fox jumps over the lazy dog near the river bank, and then it runs home.",
        "translate English to French: Good morning, my friend. How are you today?",
    ];

    private static readonly string[] ChatPrompts = ["Hello, how are you today?", "Write a short poem about the sea."];

    public static async Task<int> RunAsync(Dictionary<string, string> options, string root)
    {
        var ep = options.GetValueOrDefault("ep") ?? "cuda";
        var tokens = BenchSupport.Int(options, "tokens", 32);
        var models = new Models(
            Path.GetFullPath(options.GetValueOrDefault("sentiment") ?? Path.Combine(root, "tests", "models", "distilbert-tiny-random")),
            Path.GetFullPath(options.GetValueOrDefault("t5") ?? Path.Combine(root, "tests", "models", "t5-tiny-random")),
            Path.GetFullPath(options.GetValueOrDefault("chat") ?? Path.Combine(root, "tests", "models", "llama-tiny-random")));

        using var cpu = Services(models, "cpu");
        using var device = Services(models, ep);
        var status = device.GetRequiredService<OnnxSessionFactory>().Status;
        Console.WriteLine($"# Device check: CPU against `{ep}`, fp32 on both");
        Console.WriteLine();
        Console.WriteLine($"- {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine($"- execution provider: {status.Active} (asked: {ep}): {status.Reason}");
        Console.WriteLine();
        Console.WriteLine("| model | compared | result | same |");
        Console.WriteLine("|---|---|---|---|");

        var ok = true;
        var (cpuScores, deviceScores) = (await ScoresAsync(cpu, models.Sentiment).ConfigureAwait(false), await ScoresAsync(device, models.Sentiment).ConfigureAwait(false));
        var worst = cpuScores.Zip(deviceScores, (a, b) => Math.Abs(a - b)).Max();
        ok &= Row(models.Sentiment, $"scores of {Texts.Length} texts", $"largest difference {worst:E1} (allowed {ScoreTolerance:E0})", worst <= ScoreTolerance);

        var settings = new GenerationSettings { MaxNewTokens = tokens, MinNewTokens = tokens };
        var cpuT5 = await Load<TextToTextModel>(cpu, models.T5, "summarization").ConfigureAwait(false);
        var deviceT5 = await Load<TextToTextModel>(device, models.T5, "summarization").ConfigureAwait(false);
        foreach (var input in T5Inputs)
        {
            var (a, b) = (cpuT5.GenerateIds(input, settings).Ids, deviceT5.GenerateIds(input, settings).Ids);
            ok &= Row(models.T5, $"greedy ids, \"{input[..24]}…\"", Differences(a, b), a.SequenceEqual(b));
        }

        var cpuChat = await Load<LocalChatModel>(cpu, models.Chat, LocalChatBackend.Task).ConfigureAwait(false);
        var deviceChat = await Load<LocalChatModel>(device, models.Chat, LocalChatBackend.Task).ConfigureAwait(false);
        foreach (var prompt in ChatPrompts)
        {
            var ids = cpuChat.BuildPrompt([new ChatMessage(ChatRole.User, prompt)], tokens).Ids;
            var (a, b) = (cpuChat.GenerateIds(ids, settings).Ids, deviceChat.GenerateIds(ids, settings).Ids);
            ok &= Row(models.Chat, $"greedy ids, \"{prompt}\"", Differences(a, b), a.SequenceEqual(b));
        }

        Console.WriteLine();
        foreach (var model in device.GetRequiredService<LocalModelLoader>().Describe())
            Console.WriteLine($"- {model.Id} ({model.Task}): {model.Dtype} on {model.Provider ?? "not loaded"}; key/value cache {model.Cache ?? "in host memory"}");
        var providerOk = !string.Equals(ep, "cuda", StringComparison.OrdinalIgnoreCase) || status.Active == "CUDA";
        Console.WriteLine();
        Console.WriteLine(ok && providerOk ? "All the same." : providerOk ? "DIFFERENT: see the rows above." : $"The provider asked for did not load: {status.Reason}");
        return ok && providerOk ? 0 : 1;
    }

    private sealed record Models(string Sentiment, string T5, string Chat);

    private static bool Row(string model, string compared, string result, bool same)
    {
        Console.WriteLine($"| {Path.GetFileName(model)} | {compared} | {result} | {(same ? "yes" : "**no**")} |");
        return same;
    }

    private static string Differences(IReadOnlyList<int> cpu, IReadOnlyList<int> device)
    {
        var first = Enumerable.Range(0, Math.Min(cpu.Count, device.Count)).FirstOrDefault(i => cpu[i] != device[i], -1);
        return first < 0 && cpu.Count == device.Count
            ? $"{cpu.Count} ids, all equal"
            : $"CPU {cpu.Count} ids, device {device.Count}; first difference at {(first < 0 ? Math.Min(cpu.Count, device.Count) : first)}";
    }

    private static async Task<List<double>> ScoresAsync(ServiceProvider services, string model)
    {
        var classifier = await Load<TextClassificationModel>(services, model, "text-classification").ConfigureAwait(false);
        return [.. classifier.Classify(Texts, 0, null).OrderBy(r => r.Index).SelectMany(r => r.Labels.OrderBy(l => l.Label, StringComparer.Ordinal).Select(l => l.Score))];
    }

    private static Task<T> Load<T>(ServiceProvider services, string model, string task) where T : ILocalModel =>
        services.GetRequiredService<LocalModelLoader>().GetAsync<T>(model, task, null, default);

    private static ServiceProvider Services(Models models, string ep)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Offline"] = "true",
            ["LocalModels:Models:0:Id"] = models.Sentiment,
            ["LocalModels:Models:0:Task"] = "text-classification",
            ["LocalModels:Models:1:Id"] = models.T5,
            ["LocalModels:Models:1:Task"] = "summarization",
            ["LocalModels:Models:2:Id"] = models.Chat,
            ["LocalModels:Models:2:Task"] = LocalChatBackend.Task,
            ["Onnx:ExecutionProvider"] = ep,
            ["Onnx:PreferFp16OnCuda"] = "false",
            ["Onnx:ChatMaxBatch"] = "1",
        }).Build();
        return new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(HuggingFaceToken.FromEnvironment())
            .AddLocalTextClassification(configuration)
            .AddLocalTextToText(configuration)
            .AddLocalChat(configuration)
            .BuildServiceProvider();
    }
}
