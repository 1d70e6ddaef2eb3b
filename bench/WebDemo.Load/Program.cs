using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

// Load proof for a public URL: API clients and open pages against a running WebDemo for a set
// time, in rounds, reporting outcomes by kind, latencies and the app's resident memory (RSS)
// before and after. Start the app first (see bench/README.md), then:
//   dotnet run -c Release --project bench/WebDemo.Load -- --url http://localhost:7861 --pid PID
var options = Options.Parse(args);
using var http = new HttpClient { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(60) };
var texts = Texts.Load();
var models = await Models.DiscoverAsync(http);
Console.WriteLine($"# WebDemo load: {options.Url}");
Console.WriteLine();
Console.WriteLine($"- {options.ApiClients} API clients ({options.SummarizationClients} of them summarizing with {models.Summarization ?? "no model"}, the rest sentiment with {models.Sentiment}), {options.Pages} open pages (chromium, Sentiment page), {options.Seconds} s per round, {options.Rounds} rounds");
Console.WriteLine($"- machine: {Environment.ProcessorCount} logical cores; app pid {options.Pid?.ToString(CultureInfo.InvariantCulture) ?? "unknown (no RSS)"}");
Console.WriteLine($"- texts: {texts.Count} sentences ({Texts.Source})");
Console.WriteLine();

await Warmup(http, models, texts);
var rssBefore = Rss(options.Pid);
Console.WriteLine($"RSS after warm-up: {Mib(rssBefore)}");
Console.WriteLine();
Console.WriteLine("| round | surface | runs | ok | 429 | 503 | other 4xx | 5xx | gave up / broke | p50 ms | p95 ms | max ms | RSS after |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = options.Chromium,
    Args = ["--disable-gpu", "--disable-dev-shm-usage"],
});
// The pages open before the clock starts, as people's tabs are open before a burst, and stay
// open across the rounds (their circuits live as long as the tab).
var openClock = Stopwatch.StartNew();
var pages = new List<IPage>();
foreach (var batch in Enumerable.Range(0, options.Pages).Chunk(5))
    pages.AddRange(await Task.WhenAll(batch.Select(_ => OpenPageAsync(browser, options.Url))));
Console.WriteLine($"|   | {pages.Count} pages opened and interactive in {openClock.Elapsed.TotalSeconds:0} s |");
var serverErrors = 0;
for (var round = 1; round <= options.Rounds; round++)
{
    var deadline = DateTime.UtcNow.AddSeconds(options.Seconds);
    var api = new Tally();
    var pageTally = new Tally();
    var workers = new List<Task>();
    for (var i = 0; i < options.ApiClients; i++)
    {
        var summarizing = i < options.SummarizationClients && models.Summarization is not null;
        workers.Add(Task.Run(() => ApiClientAsync(http, summarizing ? models.Summarization! : models.Sentiment, summarizing, texts, deadline, api, i)));
    }
    for (var i = 0; i < pages.Count; i++)
        workers.Add(PageAsync(pages[i], texts, deadline, pageTally, (round * 1000) + i));
    await Task.WhenAll(workers);
    var rss = Rss(options.Pid);
    api.Print(round, "API", rss);
    pageTally.Print(round, "pages", rss);
    serverErrors += api.ServerErrors + pageTally.ServerErrors;
}
await Task.Delay(TimeSpan.FromSeconds(10)); // let the app settle before the last reading
var rssAfter = Rss(options.Pid);
Console.WriteLine();
Console.WriteLine($"RSS: {Mib(rssBefore)} after warm-up, {Mib(rssAfter)} 10 s after the last round. Server errors: {serverErrors}.");
return serverErrors == 0 ? 0 : 1;

static async Task Warmup(HttpClient http, Models models, IReadOnlyList<string> texts)
{
    using var sentiment = await http.PostAsync($"/local/models/{models.Sentiment}", Json(new { inputs = texts[0] }));
    sentiment.EnsureSuccessStatusCode();
    if (models.Summarization is not null)
    {
        using var summary = await http.PostAsync($"/local/models/{models.Summarization}/pipeline/summarization", Json(new { inputs = texts[1], parameters = new { max_new_tokens = 8 } }));
        summary.EnsureSuccessStatusCode();
    }
}

// One API client: a request, its answer, the next, until the deadline.
static async Task ApiClientAsync(HttpClient http, string model, bool summarizing, IReadOnlyList<string> texts, DateTime deadline, Tally tally, int seed)
{
    var random = new Random(seed);
    while (DateTime.UtcNow < deadline)
    {
        var text = texts[random.Next(texts.Count)];
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = summarizing
                ? await http.PostAsync($"/local/models/{model}/pipeline/summarization", Json(new { inputs = text, parameters = new { max_new_tokens = 24, do_sample = false } }))
                : await http.PostAsync($"/local/models/{model}", Json(new { inputs = text }));
            await response.Content.ReadAsStringAsync();
            tally.Add((int)response.StatusCode, clock.Elapsed.TotalMilliseconds);
            if (response.Headers.RetryAfter?.Delta is { } wait)
                await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5)); // as a polite client does
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            tally.Add(0, clock.Elapsed.TotalMilliseconds);
        }
    }
}

static async Task<IPage> OpenPageAsync(IBrowser browser, string url)
{
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
    var page = await context.NewPageAsync();
    await page.GotoAsync(url + "/sentiment?provider=local", new PageGotoOptions { Timeout = 120_000 });
    await page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { Timeout = 120_000 });
    return page;
}

// One open page: type lines, Analyze, wait for every result, clear, again, until the deadline.
static async Task PageAsync(IPage page, IReadOnlyList<string> texts, DateTime deadline, Tally tally, int seed)
{
    var random = new Random(seed);
    while (DateTime.UtcNow < deadline)
    {
        var lines = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => texts[random.Next(texts.Count)]).ToList();
        var clock = Stopwatch.StartNew();
        try
        {
            // Clear first, so that the cards counted below are this run's.
            await page.GetByRole(AriaRole.Button, new() { Name = "Clear", Exact = true }).ClickAsync();
            await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=result]').length === 0", null, new() { Timeout = 120_000 });
            clock.Restart();
            await page.FillAsync("textarea", string.Join('\n', lines));
            await page.ClickAsync("button[data-testid=analyze]");
            // The run is over when every line has its card and Analyze is enabled again, or an error shows.
            await page.WaitForFunctionAsync(
                "n => document.querySelector('[data-testid=error]') || (document.querySelectorAll('[data-testid=result]').length === n && !document.querySelector('button[data-testid=analyze]').disabled)",
                lines.Count, new PageWaitForFunctionOptions { Timeout = 120_000 });
            var error = await page.QuerySelectorAsync("[data-testid=error]") is { } shown ? await shown.TextContentAsync() ?? "" : null;
            var busy = error is not null && (error.Contains("busy", StringComparison.OrdinalIgnoreCase) || error.Contains("Too many", StringComparison.OrdinalIgnoreCase));
            tally.Add(error is null ? 200 : busy ? 429 : 500, clock.Elapsed.TotalMilliseconds);
            if (error is not null && !busy)
                tally.Note(error);
        }
        catch (TimeoutException)
        {
            // No end within two minutes: a stuck page or a dropped circuit (the reconnect banner).
            tally.Add(0, clock.Elapsed.TotalMilliseconds);
        }
    }
}

static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

static long? Rss(int? pid)
{
    if (pid is null || !File.Exists($"/proc/{pid}/status"))
        return null;
    var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

static string Mib(long? bytes) => bytes is null ? "n/a" : $"{bytes / (1024.0 * 1024):0} MiB";

/// <summary>Outcomes of one surface in one round. Status 0: the client gave up (timeout) or the connection broke.</summary>
sealed class Tally
{
    private readonly ConcurrentBag<(int Status, double Ms)> _runs = [];
    private readonly ConcurrentBag<string> _notes = [];

    public void Add(int status, double ms) => _runs.Add((status, ms));
    public void Note(string message) => _notes.Add(message);
    public int ServerErrors => _runs.Count(r => r.Status >= 500 && r.Status != 503);

    public void Print(int round, string surface, long? rss)
    {
        var runs = _runs.ToList();
        var ok = runs.Where(r => r.Status is >= 200 and < 300).Select(r => r.Ms).Order().ToList();
        double P(double q) => ok.Count == 0 ? double.NaN : ok[Math.Min(ok.Count - 1, (int)(q * ok.Count))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {round} | {surface} | {runs.Count:N0} | {ok.Count:N0} | {runs.Count(r => r.Status == 429)} | {runs.Count(r => r.Status == 503)} | {runs.Count(r => r.Status is >= 400 and < 500 and not 429)} | {ServerErrors} | {runs.Count(r => r.Status == 0)} | {P(0.5):0} | {P(0.95):0} | {(ok.Count == 0 ? 0 : ok[^1]):0} | {(rss is null ? "n/a" : $"{rss / (1024.0 * 1024):0} MiB")} |"));
        foreach (var note in _notes.Distinct().Take(3))
            Console.WriteLine($"|   | error shown: {note} |");
    }
}

sealed record Models(string Sentiment, string? Summarization)
{
    public static async Task<Models> DiscoverAsync(HttpClient http)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/models"));
        string? Local(string task) => document.RootElement.EnumerateArray()
            .Where(m => m.GetProperty("pipeline_tag").GetString() == task && m.GetProperty("local").GetBoolean())
            .Select(m => m.GetProperty("id").GetString()).FirstOrDefault();
        return new Models(Local("text-classification") ?? throw new InvalidOperationException("The app serves no local sentiment model."), Local("summarization"));
    }
}

static class Texts
{
    public static string Source { get; private set; } = "";

    /// <summary>SST-2 dev sentences where ../shared has them (real lengths), else sentences made here.</summary>
    public static IReadOnlyList<string> Load()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "WebDemo.slnx")))
            root = Path.GetDirectoryName(root);
        var shared = Environment.GetEnvironmentVariable("WEBDEMO_SHARED_DIR") ?? Path.Combine(root ?? ".", "..", "shared");
        var sst2 = Path.Combine(shared, "data", "sst2-dev.txt");
        if (File.Exists(sst2))
        {
            Source = "SST-2 dev, " + Path.GetFullPath(sst2);
            return File.ReadLines(sst2).Select(l => l[2..]).ToList();
        }
        Source = "made up: SST-2 dev was not found";
        string[] words = ["a", "film", "that", "moves", "slowly", "but", "lands", "every", "joke", "with", "grace", "and", "the", "cast", "is", "wonderful", "dull", "plot"];
        var random = new Random(7);
        return Enumerable.Range(0, 500).Select(_ => string.Join(' ', Enumerable.Range(0, 4 + random.Next(40)).Select(_ => words[random.Next(words.Length)]))).ToList();
    }
}

sealed record Options(string Url, int? Pid, int Seconds, int Rounds, int ApiClients, int SummarizationClients, int Pages, string Chromium)
{
    public static Options Parse(string[] args)
    {
        var given = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
            given[args[i].TrimStart('-')] = args[i + 1];
        int Int(string name, int fallback) => given.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var url = (given.GetValueOrDefault("url") ?? "http://localhost:7860").TrimEnd('/');
        int? pid = given.TryGetValue("pid", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : null;
        return new Options(url, pid, Int("seconds", 60), Int("rounds", 3), Int("api-clients", 100), Int("summarization-clients", 10), Int("pages", 50),
            given.GetValueOrDefault("chromium") ?? Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium");
    }
}
