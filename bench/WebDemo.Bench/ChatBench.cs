using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.Chat;
using static WebDemo.Bench.BenchSupport;

namespace WebDemo.Bench;

/// <summary>
/// The local chat model (a decoder-only model with its key/value cache) as the app runs it, beside
/// transformers.js on the same model files in the same run: time to the first token, time per token
/// after it, and tokens per second with 1 and N chats at once. Every request renders the same chat
/// with the model's template, tokenizes it and decodes greedily exactly --tokens new tokens
/// (min = max new tokens).
/// </summary>
internal static class ChatBench
{
    private const string System = "Be brief.";

    private const string DefaultUser =
        "I am planning a weekend trip to the sea with two friends. We want to walk along the coast, eat fish and see an old harbour town. " +
        "The train takes about three hours and we have a small budget. What should we pack, and how should we plan the two days?";

    private const string TjsEngine = "transformers.js";

    private sealed record Row(string Model, string Engine, string Cache, int? MaxBatch, int Concurrency, int Requests,
        int PromptTokens, double TtftMs, double MsPerToken, double TokensPerSecond);

    public static async Task<int> RunAsync(Dictionary<string, string> options, string root)
    {
        var models = (options.GetValueOrDefault("model") ?? Path.Combine(root, "tests", "models", "llama-tiny-random"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFullPath).ToList();
        var tokens = Int(options, "tokens", 64);
        var rounds = Int(options, "rounds", 2);
        var concurrencies = List(options, "concurrency", "1,4").Select(int.Parse).ToList();
        var caches = List(options, "cache", "on").Select(c => c == "on").ToList();
        // Onnx:ChatMaxBatch: the most chats whose decode steps run as one; "1,8" measures without batching, then with.
        var batches = List(options, "batch", $"{OnnxRuntimeOptions.DefaultChatMaxBatch}").Select(int.Parse).ToList();
        // Onnx:PromptLookupTokens: the most tokens greedy decoding guesses ahead (0 = off); "0,8" measures without, then with.
        var lookups = List(options, "lookup", $"{OnnxRuntimeOptions.DefaultPromptLookupTokens}").Select(int.Parse).ToList();
        var threads = Int(options, "threads", 0);
        var ep = options.GetValueOrDefault("ep") ?? "cpu";
        var spin = options.GetValueOrDefault("spin") == "on";
        var user = options.GetValueOrDefault("text") ?? DefaultUser;
        var tjsDir = Path.Combine(root, "bench", "transformersjs");
        var tjsSpins = options.GetValueOrDefault("tjs") switch
        {
            "off" => Array.Empty<bool>(),
            "spin" => [true],
            "nospin" => [false],
            _ => [true, false],
        };
        List<ChatMessage> messages = [new(ChatRole.System, System), new(ChatRole.User, user)];

        Console.WriteLine("# Chat generation benchmark");
        Console.WriteLine();
        Console.WriteLine($"- machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; ONNX Runtime intra-op threads: {(threads > 0 ? threads.ToString(CultureInfo.InvariantCulture) : "ONNX Runtime's default")}, spinning {(spin ? "on" : "off")}; load average {LoadAverage()}");
        Console.WriteLine($"- .NET's Onnx:ChatMaxBatch (continuous batching of concurrent chats' decode steps; 1 = off): {string.Join(", ", batches)}");
        Console.WriteLine($"- greedy, exactly {tokens} new tokens per request (min_new_tokens = max_new_tokens); {rounds} rounds of each concurrency after a warm-up request");
        Console.WriteLine($"- chat: system \"{System}\", user \"{(user.Length > 80 ? user[..80] + "…" : user)}\", rendered with the model's chat template");
        Console.WriteLine("- TTFT: from the call (template, tokenizer, prompt run) to the first new token, median over the requests; ms/token: (total − TTFT) / (tokens − 1), median over the requests; tokens/s: all requests' new tokens / wall time. With several chats at once, each one's times include waiting for the cores.");

        var rows = new List<Row>();
        var notes = new List<string>();
        foreach (var model in models)
        {
            var name = Path.GetFileName(model);
            Console.WriteLine();
            Console.WriteLine($"## {name} ({model})");
            IReadOnlyList<int>? ourIds = null;
            var promptTokens = 0;
            foreach (var batch in batches)
            {
                using var services = Services(model, threads, spin, batch, ep);
                var loadClock = Stopwatch.StartNew();
                var chat = await services.GetRequiredService<LocalModelLoader>().GetAsync<LocalChatModel>(model, LocalChatBackend.Task, null, default).ConfigureAwait(false);
                Console.WriteLine($"- .NET, max batch {batch}: loaded in {loadClock.ElapsedMilliseconds} ms on {services.GetRequiredService<OnnxSessionFactory>().Status.Active}; {chat.Config.VocabSize} tokens in the vocabulary, context {chat.ContextLength}");
                promptTokens = chat.BuildPrompt(messages, tokens).Ids.Length;
                foreach (var (cache, lookup) in caches.SelectMany(c => (c ? lookups : [0]).Select(l => (c, l))))
                {
                    var settings = new GenerationSettings { MaxNewTokens = tokens, MinNewTokens = tokens, UseCache = cache, PromptLookupTokens = lookup };
                    var warm = One(chat, messages, settings); // warm-up
                    if (lookup > 0)
                        Console.WriteLine($"- .NET, max batch {batch}, lookup {lookup}: {warm.GuessedTokens} of {warm.Ids.Count} tokens were guesses the model confirmed");
                    if (warm.Ids.Count != tokens)
                        notes.Add($"{name}: .NET generated {warm.Ids.Count} tokens, not {tokens}");
                    if (ourIds is not null && !ourIds.SequenceEqual(warm.Ids))
                        notes.Add($"{name}: without the cache .NET generated other ids");
                    ourIds ??= warm.Ids;
                    foreach (var concurrency in concurrencies)
                    {
                        var (row, ids) = await MeasureAsync(chat, messages, settings, concurrency, rounds).ConfigureAwait(false);
                        rows.Add(row with { Model = name, Engine = $".NET, lookup {lookup}", Cache = cache ? "on" : "off", MaxBatch = batch });
                        Print(rows[^1]);
                        if (!ids.SequenceEqual(ourIds))
                            notes.Add($"{name}: .NET's ids changed between runs (max batch {batch}, {concurrency} at once)");
                    }
                }
            }

            // transformers.js as it ships (its ONNX Runtime threads spin), then with spinning off as the app runs.
            foreach (var tjsSpin in tjsSpins)
            {
                var tjs = RunTransformersJs(tjsDir, model, tokens, rounds, concurrencies, user, tjsSpin);
                if (tjs.Error is { } error)
                {
                    notes.Add($"{name}: transformers.js not run: {error}");
                    Console.WriteLine($"- transformers.js not run: {error}");
                    break;
                }
                Console.WriteLine($"- {tjs.Engine}: loaded in {tjs.LoadMs:0} ms, {tjs.PromptTokens} prompt tokens");
                if (tjs.PromptTokens != promptTokens)
                    notes.Add($"{name}: the prompts differ: {promptTokens} tokens here, {tjs.PromptTokens} in transformers.js");
                if (ourIds is not null && tjs.Ids is not null)
                {
                    var same = ourIds.SequenceEqual(tjs.Ids);
                    Console.WriteLine($"- same {tokens} ids as transformers.js at 1 chat: {(same ? "yes" : "NO")}");
                    if (!same)
                        notes.Add($"{name}: our ids differ from transformers.js's ({string.Join(' ', ourIds.Take(12))}… vs {string.Join(' ', tjs.Ids.Take(12))}…)");
                }
                foreach (var row in tjs.Rows)
                {
                    rows.Add(row with { Model = name, Engine = tjsSpin ? TjsEngine : TjsEngine + ", no spin" });
                    Print(rows[^1]);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"## Results (load average at the end {LoadAverage()})");
        Console.WriteLine();
        Console.WriteLine("| model | engine | cache | max batch | chats at once | prompt tokens | TTFT ms | ms/token | tokens/s | vs transformers.js | vs transformers.js, no spin |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            string Ratio(string engine)
            {
                var tjs = rows.FirstOrDefault(r => r.Model == row.Model && r.Engine == engine && r.Concurrency == row.Concurrency);
                return tjs is null || !row.Engine.StartsWith(".NET", StringComparison.Ordinal) ? "" : $"{row.TokensPerSecond / tjs.TokensPerSecond:0.00}x";
            }
            Console.WriteLine($"| {row.Model} | {row.Engine} | {row.Cache} | {row.MaxBatch} | {row.Concurrency} | {row.PromptTokens} | {row.TtftMs:0.0} | {row.MsPerToken:0.00} | {row.TokensPerSecond:0.0} | {Ratio(TjsEngine)} | {Ratio(TjsEngine + ", no spin")} |");
        }
        foreach (var note in notes)
            Console.WriteLine($"\nNote: {note}");
        return notes.Any(n => n.Contains("ids", StringComparison.Ordinal) || n.Contains("prompts differ", StringComparison.Ordinal)) ? 1 : 0;
    }

    private sealed record Request(IReadOnlyList<int> Ids, TimeSpan FirstToken, TimeSpan Total, int PromptTokens, int GuessedTokens);

    /// <summary>One chat as the app serves it: template and tokenizer, then the engine; timed from the call.</summary>
    private static Request One(LocalChatModel chat, IReadOnlyList<ChatMessage> messages, GenerationSettings settings)
    {
        var started = Stopwatch.GetTimestamp();
        var prompt = chat.BuildPrompt(messages, settings.MaxNewTokens);
        var beforeRun = Stopwatch.GetElapsedTime(started);
        var run = chat.GenerateIds(prompt.Ids, settings);
        return new Request(run.Ids, beforeRun + run.FirstToken, Stopwatch.GetElapsedTime(started), prompt.Ids.Length, run.GuessedTokens);
    }

    /// <summary><paramref name="concurrency"/> chats at once, <paramref name="rounds"/> times in a row, each on its own pool thread as the app runs them.</summary>
    private static async Task<(Row Row, IReadOnlyList<int> Ids)> MeasureAsync(LocalChatModel chat, IReadOnlyList<ChatMessage> messages, GenerationSettings settings, int concurrency, int rounds)
    {
        var runs = new List<Request>();
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
            runs.AddRange(await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => One(chat, messages, settings)))).ConfigureAwait(false));
        var wall = clock.Elapsed;
        var tokens = runs.Sum(r => r.Ids.Count);
        return (new Row("", ".NET", "", null, concurrency, runs.Count, runs[0].PromptTokens,
            Median(runs.Select(r => r.FirstToken.TotalMilliseconds)),
            Median(runs.Select(r => (r.Total - r.FirstToken).TotalMilliseconds / Math.Max(1, r.Ids.Count - 1))),
            tokens / wall.TotalSeconds), runs[0].Ids);
    }

    private sealed record TjsResult(string? Error, string? Engine = null, double LoadMs = 0, int PromptTokens = 0, IReadOnlyList<int>? Ids = null, IReadOnlyList<Row>? RowsOrNull = null)
    {
        public IReadOnlyList<Row> Rows => RowsOrNull ?? [];
    }

    /// <summary>Starts bench/transformersjs/chat.mjs with node on the same model folder and reads its last line.</summary>
    private static TjsResult RunTransformersJs(string dir, string model, int tokens, int rounds, IReadOnlyList<int> concurrencies, string user, bool spin)
    {
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "@huggingface", "transformers")))
            return new TjsResult($"transformers.js is not installed: run `npm ci` in {dir}");
        var start = new ProcessStartInfo("node") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "chat.mjs", "--model", model, "--tokens", $"{tokens}", "--rounds", $"{rounds}",
            "--concurrency", string.Join(',', concurrencies), "--system", System, "--user", user, "--spin", spin ? "on" : "off" })
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
        var rows = root.GetProperty("results").EnumerateArray().Select(r => new Row("", TjsEngine, "on", null,
            r.GetProperty("concurrency").GetInt32(), r.GetProperty("requests").GetInt32(), r.GetProperty("promptTokens").GetInt32(),
            r.GetProperty("ttftMs").GetDouble(), r.GetProperty("msPerToken").GetDouble(), r.GetProperty("tokensPerSecond").GetDouble())).ToList();
        return new TjsResult(null, root.GetProperty("engine").GetString(), root.GetProperty("loadMs").GetDouble(), root.GetProperty("promptTokens").GetInt32(),
            root.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToList(), rows);
    }

    private static ServiceProvider Services(string model, int threads, bool spin, int maxBatch, string ep)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Offline"] = "true",
            ["LocalModels:Models:0:Id"] = model,
            ["LocalModels:Models:0:Task"] = LocalChatBackend.Task,
            ["LocalModels:Models:0:Dtype"] = "fp32",
            ["Onnx:ExecutionProvider"] = ep,
            ["Onnx:IntraOpThreads"] = threads.ToString(CultureInfo.InvariantCulture),
            ["Onnx:AllowSpinning"] = spin ? "true" : "false",
            ["Onnx:ChatMaxBatch"] = maxBatch.ToString(CultureInfo.InvariantCulture),
        }).Build();
        return new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(HuggingFaceToken.FromEnvironment())
            .AddLocalChat(configuration)
            .BuildServiceProvider();
    }

    private static void Print(Row row) =>
        Console.WriteLine($"  {row.Engine,-25} cache {row.Cache,-3} batch {row.MaxBatch?.ToString(CultureInfo.InvariantCulture) ?? "-",-2} x{row.Concurrency}: TTFT {row.TtftMs,8:0.0} ms, {row.MsPerToken,7:0.00} ms/token, {row.TokensPerSecond,7:0.0} tokens/s");
}
