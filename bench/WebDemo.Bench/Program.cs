using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Onnx.Runtime;

// Benchmarks the sentiment pipeline the app runs (tokenize, pad, ONNX Runtime, softmax) on
// real SST-2 sentences. Numbers vary with the machine; run it, don't time unit tests.
// `-- t5`: the T5 generation benchmark beside transformers.js (T5Bench.cs); otherwise sentiment.
if (args.Length > 0 && args[0] == "t5")
    return await WebDemo.Bench.T5Bench.RunAsync(ParseArgs(args[1..]), FindRepoRoot()).ConfigureAwait(false);

var options = ParseArgs(args);
var root = FindRepoRoot();
var model = options.GetValueOrDefault("model") ?? Path.Combine(root, "..", "shared", "models", "sentiment");
var sentencesFile = options.GetValueOrDefault("data") ?? Path.Combine(root, "..", "shared", "data", "sst2-dev.txt");
var seconds = double.Parse(options.GetValueOrDefault("seconds") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
var ep = options.GetValueOrDefault("ep") ?? "cpu";

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Hub:Offline"] = "true",
    ["LocalModels:Models:0:Id"] = Path.GetFullPath(model),
    ["LocalModels:Models:0:Task"] = TextClassificationRequest.TaskName,
    ["LocalModels:Models:0:Dtype"] = options.GetValueOrDefault("dtype") ?? "fp32",
    ["Onnx:ExecutionProvider"] = ep,
}).Build();
var services = new ServiceCollection()
    .AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
    .AddSingleton(HuggingFaceToken.FromEnvironment())
    .AddLocalTextClassification(configuration)
    .BuildServiceProvider();

var rows = File.ReadLines(sentencesFile).Select(l => (Label: l[0] == '1' ? "POSITIVE" : "NEGATIVE", Text: l[2..])).ToList();
var sentences = rows.Select(r => r.Text).ToList();
var loadClock = Stopwatch.StartNew();
var classifier = await services.GetRequiredService<LocalModelLoader>().GetAsync<TextClassificationModel>(Path.GetFullPath(model), TextClassificationRequest.TaskName, null, default);
var loadMs = loadClock.Elapsed.TotalMilliseconds;
var status = services.GetRequiredService<OnnxSessionFactory>().Status;

Console.WriteLine($"# Sentiment pipeline benchmark");
Console.WriteLine();
Console.WriteLine($"- model: {Path.GetFullPath(model)} ({classifier.Labels.Count} labels, max {classifier.MaxTokens} tokens)");
Console.WriteLine($"- execution provider: {status.Active} ({status.Reason})");
Console.WriteLine($"- machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}");
Console.WriteLine($"- data: {sentences.Count} SST-2 dev sentences (mean {sentences.Average(s => s.Length):0} chars); {seconds:0.#} s per measurement after warm-up");
Console.WriteLine($"- model load (tokenizer + ONNX session): {loadMs:0} ms");
var correct = rows.Chunk(32).Sum(chunk => classifier.Classify(chunk.Select(r => r.Text).ToList(), 0, 1)
    .Zip(chunk).Count(pair => pair.First.Labels[0].Label == pair.Second.Label));
Console.WriteLine($"- accuracy on the data: {correct} of {rows.Count} = {100.0 * correct / rows.Count:0.0} %");
Console.WriteLine();

// Single-text latency, one sentence at a time, as the page does for a one-line input.
var latencies = new List<double>();
var index = 0;
Run(TimeSpan.FromSeconds(0.5), () => classifier.Classify([sentences[index++ % sentences.Count]], 0, null));
var clock = Stopwatch.StartNew();
while (clock.Elapsed.TotalSeconds < seconds)
{
    var one = Stopwatch.StartNew();
    classifier.Classify([sentences[index++ % sentences.Count]], 0, null);
    latencies.Add(one.Elapsed.TotalMilliseconds);
}
latencies.Sort();
Console.WriteLine("| single text | p50 | p90 | p99 | mean |");
Console.WriteLine("|---|---|---|---|---|");
Console.WriteLine($"| latency (ms, n={latencies.Count}) | {Pct(0.50):0.00} | {Pct(0.90):0.00} | {Pct(0.99):0.00} | {latencies.Average():0.00} |");
Console.WriteLine();

Console.WriteLine("| batch size | texts/s | ms per batch | allocated per text |");
Console.WriteLine("|---|---|---|---|");
foreach (var batchSize in new[] { 1, 8, 32, 64 })
{
    var batches = sentences.Chunk(batchSize).Where(b => b.Length == batchSize).Select(b => (IReadOnlyList<string>)b).ToList();
    var next = 0;
    Run(TimeSpan.FromSeconds(0.5), () => classifier.Classify(batches[next++ % batches.Count], 0, null));
    var before = GC.GetAllocatedBytesForCurrentThread();
    var (count, elapsed) = Run(TimeSpan.FromSeconds(seconds), () => classifier.Classify(batches[next++ % batches.Count], 0, null));
    var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
    Console.WriteLine($"| {batchSize} | {count * batchSize / elapsed.TotalSeconds:0} | {elapsed.TotalMilliseconds / count:0.00} | {allocated / (count * batchSize) / 1024.0:0.0} KiB |");
}
Console.WriteLine();
Console.WriteLine($"Working set after the run: {Environment.WorkingSet / (1024.0 * 1024):0} MiB");
return 0;

double Pct(double p) => latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];

static (int Count, TimeSpan Elapsed) Run(TimeSpan duration, Action action)
{
    var count = 0;
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < duration)
    {
        action();
        count++;
    }
    return (count, clock.Elapsed);
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var result = new Dictionary<string, string>();
    for (var i = 0; i + 1 < args.Length; i += 2)
        result[args[i].TrimStart('-')] = args[i + 1];
    return result;
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "WebDemo.slnx")))
            return dir.FullName;
    return Directory.GetCurrentDirectory();
}
