using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.TextToText;
using WebDemo.Inference.Tasks.Summarization;
using static WebDemo.Bench.BenchSupport;

namespace WebDemo.Bench;

/// <summary>
/// The T5 pipeline (tokenize, encoder, greedy decoding) as the app runs it, beside transformers.js
/// on the same model files in the same run: encoder time, time per decoded token, and tokens per
/// second with 1 and N requests at once, with the key/value cache and without, on the merged
/// decoder and on the split pair. Every run decodes exactly --tokens tokens (min = max new tokens).
/// </summary>
internal static class T5Bench
{
    private const string DefaultText =
        "summarize: The mayor opened the new bridge in Berlin last year, and the city council said it would help the market. " +
        "Scientists say the new vaccine is safe and works well in older people. " +
        "Prices rose by 3.5 percent in March, the highest rate in ten years.";

    private const string TjsEngine = "transformers.js";

    private sealed record Row(string Model, string Engine, string Decoder, string Cache, int Concurrency, int Requests,
        int InputTokens, double EncoderMs, double MsPerToken, double TokensPerSecond);

    public static async Task<int> RunAsync(Dictionary<string, string> options, string root)
    {
        var models = (options.GetValueOrDefault("model") ?? Path.Combine(root, "tests", "models", "t5-tiny-random"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFullPath).ToList();
        var tokens = Int(options, "tokens", 64);
        var rounds = Int(options, "rounds", 2);
        var concurrencies = List(options, "concurrency", "1,4").Select(int.Parse).ToList();
        var caches = List(options, "cache", "on,off").Select(c => c == "on").ToList();
        var layouts = List(options, "decoder", "merged,split");
        // Onnx:TextToTextMaxBatch: the most requests that start together and run as one batch; "1,4" measures without, then with.
        var batches = List(options, "batch", $"{OnnxRuntimeOptions.DefaultTextToTextMaxBatch}").Select(int.Parse).ToList();
        // Onnx:PromptLookupTokens: the most tokens greedy decoding guesses ahead (0 = off); "0,8" measures without, then with.
        var lookups = List(options, "lookup", $"{OnnxRuntimeOptions.DefaultPromptLookupTokens}").Select(int.Parse).ToList();
        var threads = Int(options, "threads", 0);
        var spin = options.GetValueOrDefault("spin") == "on";
        var ep = options.GetValueOrDefault("ep") ?? "cpu";
        var text = options.GetValueOrDefault("text") ?? DefaultText;
        var tjsDir = Path.Combine(root, "bench", "transformersjs");
        var runTjs = options.GetValueOrDefault("tjs") != "off";

        Console.WriteLine("# T5 generation benchmark");
        Console.WriteLine();
        Console.WriteLine($"- machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; ONNX Runtime intra-op threads: {(threads > 0 ? threads.ToString(CultureInfo.InvariantCulture) : "ONNX Runtime's default")}, spinning {(spin ? "on" : "off")}");
        Console.WriteLine($"- greedy, exactly {tokens} new tokens per request (min_new_tokens = max_new_tokens); {rounds} rounds of each concurrency after a warm-up request");
        Console.WriteLine($"- input: \"{(text.Length > 80 ? text[..80] + "…" : text)}\"");
        Console.WriteLine("- encoder ms: the encoder's run, median over the requests; ms/token: (total − encoder) / tokens, median over the requests; tokens/s: all requests' tokens / wall time. With several requests at once, each one's times include waiting for the cores.");

        var rows = new List<Row>();
        var notes = new List<string>();
        foreach (var model in models)
        {
            var name = Path.GetFileName(model);
            Console.WriteLine();
            Console.WriteLine($"## {name} ({model})");
            IReadOnlyList<int>? ourIds = null;
            foreach (var (layout, batch) in layouts.SelectMany(l => batches.Select(b => (l, b))))
            {
                using var services = Services(model, layout == "split", threads, spin, ep, batch);
                var loadClock = Stopwatch.StartNew();
                var t5 = await services.GetRequiredService<LocalModelLoader>().GetAsync<TextToTextModel>(model, SummarizationRequest.TaskName, null, default).ConfigureAwait(false);
                Console.WriteLine($"- .NET, max batch {batch}, {layout} decoder: loaded in {loadClock.ElapsedMilliseconds} ms on {services.GetRequiredService<OnnxSessionFactory>().Status.Active}");
                foreach (var (cache, lookup) in caches.SelectMany(c => (c ? lookups : [0]).Select(l => (c, l))))
                {
                    var engine = $".NET, max batch {batch}, lookup {lookup}";
                    var settings = new GenerationSettings { MaxNewTokens = tokens, MinNewTokens = tokens, UseCache = cache, PromptLookupTokens = lookup };
                    var warm = t5.GenerateIds(text, settings);
                    if (lookup > 0)
                        Console.WriteLine($"- {engine}: {warm.GuessedTokens} of {warm.Ids.Count} tokens were guesses the model confirmed");
                    if (cache)
                    {
                        if (ourIds is not null && !ourIds.SequenceEqual(warm.Ids))
                            notes.Add($"{name}: the {layout} decoder generated other ids than the merged one");
                        ourIds ??= warm.Ids;
                    }
                    else if (ourIds is not null && !ourIds.SequenceEqual(warm.Ids))
                    {
                        notes.Add($"{name}: without the cache the {layout} decoder generated other ids");
                    }
                    foreach (var concurrency in concurrencies)
                    {
                        var row = await MeasureAsync(t5, text, settings, concurrency, rounds).ConfigureAwait(false);
                        rows.Add(row with { Model = name, Engine = engine, Decoder = layout, Cache = cache ? "on" : "off" });
                        Print(rows[^1]);
                    }
                }
            }

            if (!runTjs)
                continue;
            // transformers.js as it ships (its ONNX Runtime threads spin), then with spinning off as the app runs.
            foreach (var tjsSpin in new[] { true, false })
            {
                var tjs = RunTransformersJs(tjsDir, model, tokens, rounds, concurrencies, text, tjsSpin);
                if (tjs.Error is { } error)
                {
                    notes.Add($"{name}: transformers.js not run: {error}");
                    Console.WriteLine($"- transformers.js not run: {error}");
                    break;
                }
                Console.WriteLine($"- {tjs.Engine}: loaded in {tjs.LoadMs:0} ms");
                if (ourIds is not null && tjs.Ids is not null)
                {
                    var same = ourIds.SequenceEqual(tjs.Ids);
                    Console.WriteLine($"- same {tokens} ids as transformers.js: {(same ? "yes" : "NO")}");
                    if (!same)
                        notes.Add($"{name}: our ids differ from transformers.js's");
                }
                foreach (var row in tjs.Rows)
                {
                    rows.Add(row with { Model = name, Engine = tjsSpin ? TjsEngine : TjsEngine + ", no spin" });
                    Print(rows[^1]);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("## Results");
        Console.WriteLine();
        Console.WriteLine("| model | engine | decoder | cache | requests at once | input tokens | encoder ms | ms/token | tokens/s | vs transformers.js | vs transformers.js, no spin |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            string Ratio(string engine)
            {
                var tjs = rows.FirstOrDefault(r => r.Model == row.Model && r.Engine == engine && r.Concurrency == row.Concurrency);
                return tjs is null || row == tjs ? "" : $"{row.TokensPerSecond / tjs.TokensPerSecond:0.00}x";
            }
            Console.WriteLine($"| {row.Model} | {row.Engine} | {row.Decoder} | {row.Cache} | {row.Concurrency} | {row.InputTokens} | {row.EncoderMs:0.0} | {row.MsPerToken:0.00} | {row.TokensPerSecond:0.0} | {Ratio(TjsEngine)} | {Ratio(TjsEngine + ", no spin")} |");
        }
        foreach (var note in notes)
            Console.WriteLine($"\nNote: {note}");
        return notes.Any(n => n.Contains("ids", StringComparison.Ordinal)) ? 1 : 0;
    }

    /// <summary><paramref name="concurrency"/> requests at once, <paramref name="rounds"/> times in a row, each on its own pool thread as the app runs them.</summary>
    private static async Task<Row> MeasureAsync(TextToTextModel t5, string text, GenerationSettings settings, int concurrency, int rounds)
    {
        var runs = new List<GenerationRun>();
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
            runs.AddRange(await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => t5.GenerateIds(text, settings)))).ConfigureAwait(false));
        var wall = clock.Elapsed;
        var tokens = runs.Sum(r => r.Ids.Count);
        return new Row("", ".NET", "", "", concurrency, runs.Count, runs[0].InputTokens,
            Median(runs.Select(r => r.EncoderTime.TotalMilliseconds)),
            Median(runs.Select(r => (r.Total - r.EncoderTime).TotalMilliseconds / r.Ids.Count)),
            tokens / wall.TotalSeconds);
    }

    private sealed record TjsResult(string? Error, string? Engine = null, double LoadMs = 0, IReadOnlyList<int>? Ids = null, IReadOnlyList<Row>? RowsOrNull = null)
    {
        public IReadOnlyList<Row> Rows => RowsOrNull ?? [];
    }

    /// <summary>Starts bench/transformersjs/t5.mjs with node on the same model folder and reads its last line.</summary>
    private static TjsResult RunTransformersJs(string dir, string model, int tokens, int rounds, IReadOnlyList<int> concurrencies, string text, bool spin)
    {
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "@huggingface", "transformers")))
            return new TjsResult($"transformers.js is not installed: run `npm ci` in {dir}");
        var start = new ProcessStartInfo("node") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "t5.mjs", "--model", model, "--tokens", $"{tokens}", "--rounds", $"{rounds}",
            "--concurrency", string.Join(',', concurrencies), "--text", text, "--spin", spin ? "on" : "off" })
        {
            start.ArgumentList.Add(arg);
        }
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var errors = node.StandardError.ReadToEndAsync();
        string? last = null;
        while (node.StandardOutput.ReadLine() is { } line)
            last = line;
        node.WaitForExit();
        if (node.ExitCode != 0 || last is null)
            return new TjsResult($"node exited with {node.ExitCode}: {errors.Result.Trim()}");
        using var json = JsonDocument.Parse(last);
        var root = json.RootElement;
        var rows = root.GetProperty("results").EnumerateArray().Select(r => new Row("", "transformers.js", "merged", "on",
            r.GetProperty("concurrency").GetInt32(), r.GetProperty("requests").GetInt32(), r.GetProperty("inputTokens").GetInt32(),
            r.GetProperty("encoderMs").GetDouble(), r.GetProperty("msPerToken").GetDouble(), r.GetProperty("tokensPerSecond").GetDouble())).ToList();
        return new TjsResult(null, root.GetProperty("engine").GetString(), root.GetProperty("loadMs").GetDouble(),
            root.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToList(), rows);
    }

    private static ServiceProvider Services(string model, bool split, int threads, bool spin, string ep, int maxBatch)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Offline"] = "true",
            ["LocalModels:Models:0:Id"] = model,
            ["LocalModels:Models:0:Task"] = SummarizationRequest.TaskName,
            ["LocalModels:Models:0:SplitDecoder"] = split ? "true" : "false",
            ["Onnx:ExecutionProvider"] = ep,
            ["Onnx:TextToTextMaxBatch"] = maxBatch.ToString(CultureInfo.InvariantCulture),
            ["Onnx:IntraOpThreads"] = threads.ToString(CultureInfo.InvariantCulture),
            ["Onnx:AllowSpinning"] = spin ? "true" : "false",
        }).Build();
        return new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(HuggingFaceToken.FromEnvironment())
            .AddLocalTextToText(configuration)
            .BuildServiceProvider();
    }

    private static void Print(Row row) =>
        Console.WriteLine($"  {row.Engine,-25} {row.Decoder,-6} cache {row.Cache,-3}  x{row.Concurrency}: encoder {row.EncoderMs,7:0.0} ms, {row.MsPerToken,7:0.00} ms/token, {row.TokensPerSecond,7:0} tokens/s");
}
