using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Batching;

// Benchmarks the sentiment pipeline the app runs (tokenize, pad, ONNX Runtime, softmax) on
// real SST-2 sentences. Numbers vary with the machine; run it, don't time unit tests.
// `-- t5`: the T5 generation benchmark beside transformers.js (T5Bench.cs); `-- chat`: the local chat
// model beside transformers.js (ChatBench.cs); `-- image`: Stable Diffusion on CPU (ImageBench.cs); `-- memory`: the
// machine's memory read rate (MemoryBench.cs); `-- device --ep cuda`: the CPU's results against a GPU's
// (DeviceCheck.cs); otherwise sentiment.
if (args.Length > 0 && args[0] == "t5")
    return await WebDemo.Bench.T5Bench.RunAsync(ParseArgs(args[1..]), FindRepoRoot()).ConfigureAwait(false);
if (args.Length > 0 && args[0] == "chat")
    return await WebDemo.Bench.ChatBench.RunAsync(ParseArgs(args[1..]), FindRepoRoot()).ConfigureAwait(false);
if (args.Length > 0 && args[0] == "memory")
    return WebDemo.Bench.MemoryBench.Run(ParseArgs(args[1..]));
if (args.Length > 0 && args[0] == "device")
    return await WebDemo.Bench.DeviceCheck.RunAsync(ParseArgs(args[1..]), FindRepoRoot()).ConfigureAwait(false);
if (args.Length > 0 && args[0] == "image")
    return await WebDemo.Bench.ImageBench.RunAsync(ParseArgs(args[1..]), FindRepoRoot()).ConfigureAwait(false);

var options = ParseArgs(args);
var root = FindRepoRoot();
var model = options.GetValueOrDefault("model") ?? Path.Combine(root, "..", "shared", "models", "sentiment");
var sentencesFile = options.GetValueOrDefault("data") ?? Path.Combine(root, "..", "shared", "data", "sst2-dev.txt");
var seconds = double.Parse(options.GetValueOrDefault("seconds") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
var ep = options.GetValueOrDefault("ep") ?? "cpu";
var textCount = int.Parse(options.GetValueOrDefault("texts") ?? "256", System.Globalization.CultureInfo.InvariantCulture);
var repeats = int.Parse(options.GetValueOrDefault("repeat") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
var callers = int.Parse(options.GetValueOrDefault("callers") ?? "32", System.Globalization.CultureInfo.InvariantCulture);
var batchSizes = (options.GetValueOrDefault("batches") ?? "1,2,4,8,16,32").Split(',').Select(int.Parse).ToList();
var concurrentBatches = (options.GetValueOrDefault("concurrent-batches") ?? "8,16,32").Split(',').Select(int.Parse).ToList();
var sections = (options.GetValueOrDefault("sections") ?? "batch,concurrent").Split(',');

var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Hub:Offline"] = "true",
    ["LocalModels:Models:0:Id"] = Path.GetFullPath(model),
    ["LocalModels:Models:0:Task"] = TextClassificationRequest.TaskName,
    ["LocalModels:Models:0:Dtype"] = options.GetValueOrDefault("dtype") ?? "fp32",
    ["Onnx:ExecutionProvider"] = ep,
    ["Onnx:IntraOpThreads"] = options.GetValueOrDefault("intra") ?? "0",
    ["Onnx:AllowSpinning"] = options.GetValueOrDefault("spin") ?? "true",
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
Console.WriteLine($"- model load (tokenizer + ONNX session): {loadMs:0} ms; ONNX Runtime intra-op threads {(configuration["Onnx:IntraOpThreads"] == "0" ? "default" : configuration["Onnx:IntraOpThreads"])}, spinning {configuration["Onnx:AllowSpinning"]}");
var correct = options.GetValueOrDefault("accuracy") == "no" ? 0 : rows.Chunk(32).Sum(chunk => classifier.Classify(chunk.Select(r => r.Text).ToList(), 0, 1)
    .Zip(chunk).Count(pair => pair.First.Labels[0].Label == pair.Second.Label));
if (options.GetValueOrDefault("accuracy") != "no")
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
Console.WriteLine($"| latency (ms, n={latencies.Count}) | {Pct(latencies, 0.50):0.00} | {Pct(latencies, 0.90):0.00} | {Pct(latencies, 0.99):0.00} | {latencies.Average():0.00} |");
Console.WriteLine();

// The measured texts: the first N sentences of the data, whose token lengths are mixed.
var texts = sentences.Take(textCount).ToList();
var tokenLengths = texts.Select(t => classifier.Encode(t).Ids.Length).Order().ToList();
Console.WriteLine($"Measured texts: the first {texts.Count} sentences; tokens per text min {tokenLengths[0]}, median {Pct(tokenLengths.Select(l => (double)l).ToList(), 0.5)}, " +
    $"p95 {Pct(tokenLengths.Select(l => (double)l).ToList(), 0.95)}, max {tokenLengths[^1]}. Modes run interleaved, {repeats} round(s); each round's figures are shown.");
var gflopPerText = EncoderGflopPerText(Path.GetFullPath(model), tokenLengths);
if (gflopPerText is { } gflop)
    Console.WriteLine($"Arithmetic: {gflop:0.00} GFLOP per text on average (the encoder layers' matrix products and attention scores at each text's own length; " +
        "embeddings and the classifier head left out), so texts/s × that is the GFLOP/s the CPU delivered. A mode cannot beat the CPU's peak.");
Console.WriteLine();
var waitMs = double.Parse(options.GetValueOrDefault("wait-ms") ?? new OnnxRuntimeOptions().BatchMaxWaitMs.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
var padding = double.Parse(options.GetValueOrDefault("padding") ?? new OnnxRuntimeOptions().BatchMaxPadding.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
// transformers.js runs beside ours where it is installed (bench/transformersjs: npm ci), or from --tjs DIR; --tjs off skips it.
var tjsDir = options.GetValueOrDefault("tjs") is { } given
    ? (given == "off" ? null : given)
    : Directory.Exists(Path.Combine(FindRepoRoot(), "bench", "transformersjs", "node_modules", "@huggingface", "transformers"))
        ? Path.Combine(FindRepoRoot(), "bench", "transformersjs") : null;

if (sections.Contains("batch"))
{
    // Requests of N lines, one request at a time, as the page and the API send them.
    //  ours: the app's path: lines sorted by length into batches of at most N (micro-batcher, padding limit), results streamed;
    //  file order: the previous path: N lines in file order as one batch, padded to the longest;
    //  transformers.js: pipeline(lines) on the same files (pads to the longest).
    Console.WriteLine($"## Requests of N lines on SST-2 dev, one request at a time (texts/s; p50 and p95 of the time to a request's last result, ms)");
    Console.WriteLine();
    Console.WriteLine("| round | N | ours texts/s | p50 | p95 | file order texts/s | p50 | p95 | transformers.js texts/s | p50 | p95 |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
    var pooledOurs = new Dictionary<int, List<Figures>>();
    var pooledFile = new Dictionary<int, List<Figures>>();
    var pooledTjs = new Dictionary<int, List<(double Texts, double Seconds)>>();
    for (var round = 1; round <= repeats; round++)
    {
        foreach (var n in batchSizes)
        {
            var requests = texts.Chunk(n).Where(c => c.Length == n).Select(c => (IReadOnlyList<string>)c).ToList();
            using var batcher = classifier.CreateBatcher(new MicroBatcherOptions(n, TimeSpan.FromMilliseconds(waitMs), padding));
            var ours = await Measure(requests, async r => { await foreach (var _ in classifier.ClassifyAsync(r, null, batcher)) { } });
            var fileOrder = await Measure(requests, r => { classifier.Classify(r, 0, null); return Task.CompletedTask; });
            var tjs = tjsDir is null ? "| – | – | – |" : TransformersJs(tjsDir, Path.GetFullPath(model), sentencesFile, n, requests.Count * n);
            Console.WriteLine($"| {round} | {n} | {ours.Rate:0.0} | {ours.P50:0} | {ours.P95:0} | {fileOrder.Rate:0.0} | {fileOrder.P50:0} | {fileOrder.P95:0} {tjs}");
            (pooledOurs.TryGetValue(n, out var o) ? o : pooledOurs[n] = []).Add(ours);
            (pooledFile.TryGetValue(n, out var f) ? f : pooledFile[n] = []).Add(fileOrder);
            if (double.TryParse(tjs.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0], System.Globalization.CultureInfo.InvariantCulture, out var tjsRate))
                (pooledTjs.TryGetValue(n, out var t) ? t : pooledTjs[n] = []).Add((ours.Texts, ours.Texts / tjsRate));
        }
    }
    foreach (var n in batchSizes)
    {
        var o = Figures.Pool(pooledOurs[n]);
        var f = Figures.Pool(pooledFile[n]);
        var t = pooledTjs.TryGetValue(n, out var list) ? $"| {list.Sum(x => x.Texts) / list.Sum(x => x.Seconds):0.0} | | |" : "| – | | |";
        Console.WriteLine($"| all | {n} | {o.Rate:0.0} | {o.P50:0} | {o.P95:0} | {f.Rate:0.0} | {f.P50:0} | {f.P95:0} {t}");
    }
    Console.WriteLine();
}

if (sections.Contains("concurrent"))
{
    // Single-text callers: one at a time, or `callers` at once, each sending one text and waiting for its answer.
    Console.WriteLine($"## {callers} concurrent single-text callers vs one caller at a time (texts/s; p50 and p95 of each text's latency, ms)");
    Console.WriteLine();
    Console.WriteLine("- one at a time, direct: one model run per text, no batcher (the fastest a lone caller can be)");
    Console.WriteLine("- one at a time, Task.Run: the previous app path for one text (one model run on the thread pool, awaited)");
    Console.WriteLine($"- one at a time, batcher: the app's path (max wait {waitMs} ms)");
    Console.WriteLine("- concurrent, no batcher: what the app did before: each request its own model run, all at once");
    Console.WriteLine($"- concurrent, batcher B: the app's path with Onnx:BatchSize B, max wait {waitMs} ms, padding limit {padding}");
    Console.WriteLine();
    Console.WriteLine("| round | mode | texts/s | p50 | p95 | × one at a time (direct) | GFLOP/s |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    var pooled = new Dictionary<string, List<Figures>>();
    for (var round = 1; round <= repeats; round++)
    {
        var single = texts.Select(t => (IReadOnlyList<string>)[t]).ToList();
        var modes = new List<(string Mode, Figures F)>();
        modes.Add(("one at a time, direct", await Measure(single, r => { classifier.Classify(r, 0, null); return Task.CompletedTask; })));
        modes.Add(("one at a time, Task.Run", await Measure(single, r => Task.Run(() => classifier.Classify(r, 0, null)))));
        using (var batcher = classifier.CreateBatcher(new MicroBatcherOptions(concurrentBatches.Max(), TimeSpan.FromMilliseconds(waitMs), padding)))
            modes.Add(("one at a time, batcher", await Measure(single, async r => { await foreach (var _ in classifier.ClassifyAsync(r, null, batcher)) { } })));
        modes.Add(("concurrent, no batcher", await Measure(single, r => Task.Run(() => classifier.Classify(r, 0, null)), callers)));
        foreach (var b in concurrentBatches)
        {
            using var batcher = classifier.CreateBatcher(new MicroBatcherOptions(b, TimeSpan.FromMilliseconds(waitMs), padding));
            modes.Add(($"concurrent, batcher {b}", await Measure(single, async r => { await foreach (var _ in classifier.ClassifyAsync(r, null, batcher)) { } }, callers)));
        }
        var baseline = modes[0].F.Rate;
        foreach (var (mode, f) in modes)
        {
            Console.WriteLine($"| {round} | {mode} | {f.Rate:0.0} | {f.P50:0} | {f.P95:0} | {f.Rate / baseline:0.00} | {Delivered(f.Rate)} |");
            (pooled.TryGetValue(mode, out var list) ? list : pooled[mode] = []).Add(f);
        }
    }
    var pooledBaseline = Figures.Pool(pooled.First().Value).Rate;
    foreach (var (mode, list) in pooled)
    {
        var f = Figures.Pool(list);
        Console.WriteLine($"| all | {mode} | {f.Rate:0.0} | {f.P50:0} | {f.P95:0} | {f.Rate / pooledBaseline:0.00} | {Delivered(f.Rate)} |");
    }
    Console.WriteLine();
}

string Delivered(double textsPerSecond) => gflopPerText is { } perText ? (textsPerSecond * perText).ToString("0", System.Globalization.CultureInfo.InvariantCulture) : "–";

Console.WriteLine($"Working set after the run: {Environment.WorkingSet / (1024.0 * 1024):0} MiB");
return 0;

// The floating-point work of one text through a BERT-shaped encoder (DistilBERT's or BERT's
// config.json): per layer, the four attention projections and the two feed-forward products
// (2·n·(4d² + 2·d·f) for n tokens) and the attention scores and their weighted sum (4·n²·d); the
// mean over the measured texts, in GFLOP. Null for a config that names neither shape.
static double? EncoderGflopPerText(string modelDir, IReadOnlyList<int> tokenLengths)
{
    var path = Path.Combine(modelDir, "config.json");
    if (!File.Exists(path))
        return null;
    using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
    var root = config.RootElement;
    int? Read(params string[] names) => names.Select(n => root.TryGetProperty(n, out var v) ? v.GetInt32() : (int?)null).FirstOrDefault(v => v is not null);
    if (Read("dim", "hidden_size") is not { } d || Read("n_layers", "num_hidden_layers") is not { } layers || Read("hidden_dim", "intermediate_size") is not { } f)
        return null;
    return tokenLengths.Average(n => layers * (2.0 * n * (4.0 * d * d + 2.0 * d * f) + 4.0 * n * n * d)) / 1e9;
}

static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

// Runs every request once, `concurrency` callers at a time (each takes the next request when its
// last one is answered), after a short warm-up; the latency is a request's, from its call to its last result.
static async Task<Figures> Measure(List<IReadOnlyList<string>> requests, Func<IReadOnlyList<string>, Task> call, int concurrency = 1)
{
    foreach (var r in requests.Take(2))
        await call(r);
    var latencies = new double[requests.Count];
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        await Task.Yield();
        int i;
        while ((i = Interlocked.Increment(ref next)) < requests.Count)
        {
            var start = Stopwatch.GetTimestamp();
            await call(requests[i]);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    var sorted = latencies.Order().ToList();
    var texts = requests.Sum(r => r.Count);
    return new Figures(texts / elapsed, Pct(sorted, 0.5), Pct(sorted, 0.95), texts, elapsed, latencies);
}

// transformers.js in node on the same files: bench/transformersjs/sentiment.mjs, with the version
// pinned there (npm ci in that folder) unless --tjs names another folder where it is installed.
static string TransformersJs(string tjsDir, string modelDir, string dataFile, int n, int count)
{
    var script = Path.Combine(FindRepoRoot(), "bench", "transformersjs", "sentiment.mjs");
    var start = new ProcessStartInfo("node", [script, modelDir, Path.GetFullPath(dataFile), n.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture)])
    {
        WorkingDirectory = tjsDir,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd();
    process.StandardError.ReadToEnd();
    process.WaitForExit();
    var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
    if (line is null)
        return "| failed | – | – |";
    using var json = System.Text.Json.JsonDocument.Parse(line);
    var root = json.RootElement;
    return $"| {root.GetProperty("textsPerSecond").GetDouble():0.0} | {root.GetProperty("p50Ms").GetDouble():0} | {root.GetProperty("p95Ms").GetDouble():0} |";
}

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

internal sealed record Figures(double Rate, double P50, double P95, int Texts = 0, double Seconds = 0, double[]? Latencies = null)
{
    /// <summary>All rounds of one mode together: texts over total time, percentiles of every latency.</summary>
    public static Figures Pool(IReadOnlyList<Figures> rounds)
    {
        var all = rounds.SelectMany(r => r.Latencies!).Order().ToList();
        double P(double p) => all[Math.Min(all.Count - 1, (int)(p * all.Count))];
        return new Figures(rounds.Sum(r => r.Texts) / rounds.Sum(r => r.Seconds), P(0.5), P(0.95));
    }
}
