using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Diffusion;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.TextToImage;
using WebDemo.Inference.Tasks.TextToImage;
using static WebDemo.Bench.BenchSupport;

namespace WebDemo.Bench;

/// <summary>
/// Image generation (Stable Diffusion) as the app runs it, on CPU. Part 1: the whole pipeline on a
/// model folder loaded through the app's loader (text encoder, UNet per denoising step, VAE decoder,
/// PNG). Part 2: a UNet alone (e.g. a random-weight SD 1.5-shaped one, fp32 and fp16) with the app's
/// session options at 512 px, batch 1 and 2 (classifier-free guidance), to estimate seconds per
/// denoising step and per image of a real SD 1.5 / SD-Turbo.
/// </summary>
internal static class ImageBench
{
    private const string Prompt = "a lighthouse on a cliff above a stormy sea at sunset, oil painting";

    public static async Task<int> RunAsync(Dictionary<string, string> options, string root)
    {
        var model = Path.GetFullPath(options.GetValueOrDefault("model") ?? Path.Combine(root, "tests", "models", "sd-tiny-random"));
        var schedulers = List(options, "schedulers", "PNDMScheduler,EulerDiscreteScheduler");
        var sizes = List(options, "sizes", "64x64,128x128").Select(ParseSize).ToList();
        var steps = Int(options, "steps", 20);
        var guidances = List(options, "guidance", "7.5,1").Select(g => double.Parse(g, CultureInfo.InvariantCulture)).ToList();
        var rounds = Int(options, "rounds", 3);
        var unets = List(options, "unet", "");
        var unetRounds = Int(options, "unet-rounds", 3);
        var unetBatches = List(options, "unet-batches", "1,2").Select(int.Parse).ToList();
        var unetSide = Int(options, "unet-size", 512);
        var threads = Int(options, "threads", 0);
        var ep = options.GetValueOrDefault("ep") ?? "cpu";
        var sections = List(options, "sections", "pipeline,unet");

        Console.WriteLine($"# Image generation benchmark (Stable Diffusion, execution provider asked: {ep})");
        Console.WriteLine();
        Console.WriteLine($"- {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}; " +
            $"ONNX Runtime intra-op threads: {(threads > 0 ? threads.ToString(CultureInfo.InvariantCulture) : "ONNX Runtime's default")}, spinning off (the app's default); load average {LoadAverage()}");

        if (sections.Contains("pipeline"))
            await PipelineAsync(model, schedulers, sizes, steps, guidances, rounds, threads, ep).ConfigureAwait(false);
        if (sections.Contains("unet") && unets.Length > 0)
            Unets(unets.Select(Path.GetFullPath).ToList(), unetRounds, unetBatches, unetSide, threads, ep);
        Console.WriteLine();
        Console.WriteLine($"- load average at the end {LoadAverage()}; process peak working set {Mb(Process.GetCurrentProcess().PeakWorkingSet64)} MB");
        return 0;
    }

    private static async Task PipelineAsync(string model, string[] schedulers, List<(int W, int H)> sizes, int steps,
        List<double> guidances, int rounds, int threads, string ep)
    {
        Console.WriteLine();
        Console.WriteLine($"## Full pipeline: {Path.GetFileName(model)} ({model})");
        Console.WriteLine();
        Console.WriteLine($"- loaded through the app's LocalModelLoader (AddLocalTextToImage); {steps} steps; prompt \"{Prompt}\", no negative prompt; " +
            $"per row a warm-up image, then {rounds} images (seeds 1…{rounds}); medians over them");
        Console.WriteLine("- *before step 1*: tokenizer, text encoder (twice with guidance: empty and the prompt), noise; *ms/step*: the median of the durations between " +
            "onStep callbacks (one UNet call with batch 1 or 2, guidance arithmetic, scheduler step); *VAE*: from the last step to the RGB bytes; " +
            "*s/image*: StableDiffusionModel.Run plus PNG encoding (the previews GenerateAsync sends are not made). PNDM makes steps + 1 UNet calls.");
        using var services = Services(model, threads, ep);
        var loadClock = Stopwatch.StartNew();
        var sd = await services.GetRequiredService<LocalModelLoader>().GetAsync<StableDiffusionModel>(model, TextToImageRequest.TaskName, null, default).ConfigureAwait(false);
        Console.WriteLine($"- loaded in {loadClock.ElapsedMilliseconds} ms on {services.GetRequiredService<OnnxSessionFactory>().Status.Active}; " +
            $"its own scheduler {sd.Config.Scheduler.ClassName}, trained size {sd.Config.DefaultSide} px");
        Console.WriteLine();
        Console.WriteLine("| scheduler | size | guidance | UNet batch | UNet calls | before step 1 ms | ms/step | VAE ms | PNG ms | s/image | peak WS MB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var scheduler in schedulers)
            foreach (var (w, h) in sizes)
                foreach (var guidance in guidances)
                {
                    var parameters = new TextToImageParameters
                    {
                        Width = w, Height = h, NumInferenceSteps = steps, GuidanceScale = guidance, Scheduler = scheduler, Seed = 0,
                    };
                    var settings = sd.Resolve(Prompt, parameters);
                    One(sd, settings); // warm-up
                    var measured = Enumerable.Range(1, rounds).Select(seed => One(sd, settings with { Seed = seed })).ToList();
                    Console.WriteLine($"| {scheduler} | {w}×{h} | {guidance.ToString(CultureInfo.InvariantCulture)} | {(guidance > 1 ? 2 : 1)} | {measured[0].Calls} | " +
                        $"{Median(measured.Select(m => m.BeforeMs)):0.0} | {Median(measured.Select(m => m.StepMs)):0.00} | {Median(measured.Select(m => m.VaeMs)):0.0} | " +
                        $"{Median(measured.Select(m => m.PngMs)):0.0} | {Median(measured.Select(m => m.TotalMs)) / 1000:0.000} | {Mb(Process.GetCurrentProcess().PeakWorkingSet64)} |");
                }
    }

    private sealed record Image(int Calls, double BeforeMs, double StepMs, double VaeMs, double PngMs, double TotalMs);

    private static Image One(StableDiffusionModel sd, DiffusionSettings settings)
    {
        var durations = new List<double>();
        var previous = TimeSpan.Zero;
        long firstStep = 0, lastStep = 0;
        var runStart = Stopwatch.GetTimestamp();
        var result = sd.Run(settings, new GaussianNoise(settings.Seed), step =>
        {
            lastStep = Stopwatch.GetTimestamp();
            if (step.Index == 0)
                firstStep = lastStep;
            durations.Add((step.Elapsed - previous).TotalMilliseconds);
            previous = step.Elapsed;
        }, CancellationToken.None);
        var runEnd = Stopwatch.GetTimestamp();
        var png = ImageOutput.EncodePng(result.Rgb, result.Width, result.Height);
        var end = Stopwatch.GetTimestamp();
        if (png.Length == 0)
            throw new InvalidOperationException("no PNG");
        // Before step 1: from the call to the first callback, less that step's own duration.
        return new Image(durations.Count, Stopwatch.GetElapsedTime(runStart, firstStep).TotalMilliseconds - durations[0], Median(durations),
            Stopwatch.GetElapsedTime(lastStep, runEnd).TotalMilliseconds, Stopwatch.GetElapsedTime(runEnd, end).TotalMilliseconds,
            Stopwatch.GetElapsedTime(runStart, end).TotalMilliseconds);
    }

    private static void Unets(List<string> dirs, int rounds, List<int> batches, int side, int threads, string ep)
    {
        var latent = side / 8;
        Console.WriteLine();
        Console.WriteLine($"## UNet alone ({side}×{side} px: sample [b, 4, {latent}, {latent}], encoder_hidden_states [b, 77, cross_attention_dim])");
        Console.WriteLine();
        Console.WriteLine($"- each DIR's unet/model.onnx (or model.onnx) in a session from the app's OnnxSessionFactory (CPU, ORT_ENABLE_ALL, spinning off); " +
            $"random inputs (seeded Gaussian), timestep 500 in the dtype and rank the session declares (as OnnxGraph feeds it); a warm-up call, then {rounds} timed calls per batch size; median");
        Console.WriteLine("- *peak WS*: the process's peak resident set while this UNet was loaded and run (VmHWM, reset before loading where Linux allows it)");
        var rows = new List<(string Name, string Dtype, int Batch, double Ms, double LoadMs, long PeakMb, string? Error)>();
        foreach (var dir in dirs)
        {
            var path = File.Exists(Path.Combine(dir, "unet", "model.onnx")) ? Path.Combine(dir, "unet", "model.onnx") : Path.Combine(dir, "model.onnx");
            var name = Path.GetFileName(dir.TrimEnd('/'));
            GC.Collect();
            var reset = ResetPeak();
            using var services = Services(dir, threads, ep);
            var factory = services.GetRequiredService<OnnxSessionFactory>();
            var loadClock = Stopwatch.StartNew();
            OnnxGraph unet;
            try
            {
                unet = new OnnxGraph(factory.Create(path), "UNet");
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException)
            {
                Console.WriteLine($"- {name}: ONNX Runtime could not load {path}: {ex.Message}");
                rows.Add((name, "?", 0, double.NaN, double.NaN, PeakMb(), ex.Message));
                continue;
            }
            using (unet)
            {
                var loadMs = loadClock.Elapsed.TotalMilliseconds;
                var sampleName = unet.Input("sample");
                var timestepName = unet.Input("timestep", 1);
                var statesName = unet.Input("encoder_hidden_states", 2);
                var outputName = unet.Output("out_sample");
                var hidden = (int)unet.Session.InputMetadata[statesName].Dimensions[^1];
                var dtype = unet.InputType(sampleName).ToString();
                Console.WriteLine($"- {name}: {path} ({new FileInfo(path).Length / 1e6:0} MB{(File.Exists(path + "_data") ? $" + {new FileInfo(path + "_data").Length / 1e6:0} MB of external weights" : "")}), " +
                    $"loaded in {loadMs / 1000:0.0} s; inputs {sampleName} {dtype}, {timestepName} {unet.InputType(timestepName)} rank {unet.InputRank(timestepName)}, " +
                    $"{statesName} [b, 77, {hidden}]; working set after load {Mb(Process.GetCurrentProcess().WorkingSet64)} MB{(reset ? "" : " (peak not reset)")}");
                var noise = new GaussianNoise(7);
                foreach (var batch in batches)
                {
                    var sample = new float[batch * 4 * latent * latent];
                    var states = new float[batch * 77 * hidden];
                    noise.Fill(sample);
                    noise.Fill(states);
                    using var runOptions = new RunOptions();
                    double Call()
                    {
                        using var s = unet.Floats(sampleName, sample, [batch, 4, latent, latent]);
                        using var e = unet.Floats(statesName, states, [batch, 77, hidden]);
                        using var t = unet.InputRank(timestepName) == 0
                            ? unet.Numbers(timestepName, [500], [])
                            : unet.Numbers(timestepName, [.. Enumerable.Repeat(500.0, batch)], [batch]);
                        var clock = Stopwatch.StartNew();
                        var (output, _) = unet.Run(runOptions, new Dictionary<string, OrtValue> { [sampleName] = s, [timestepName] = t, [statesName] = e }, outputName);
                        var ms = clock.Elapsed.TotalMilliseconds;
                        if (output.Any(float.IsNaN))
                            Console.WriteLine($"  - {name} batch {batch}: the output has NaN");
                        return ms;
                    }
                    try
                    {
                        var warm = Call();
                        var times = Enumerable.Range(0, rounds).Select(_ => Call()).ToList();
                        Console.WriteLine($"  - batch {batch}: warm-up {warm / 1000:0.00} s; calls {string.Join(", ", times.Select(t => (t / 1000).ToString("0.00", CultureInfo.InvariantCulture)))} s; load average {LoadAverage()}");
                        rows.Add((name, dtype, batch, Median(times), loadMs, PeakMb(), null));
                    }
                    catch (OnnxRuntimeException ex)
                    {
                        Console.WriteLine($"  - batch {batch}: ONNX Runtime failed: {ex.Message}");
                        rows.Add((name, dtype, batch, double.NaN, loadMs, PeakMb(), ex.Message));
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| UNet | dtype | batch | load s | ms per UNet call (median) | s per denoising step | peak WS MB |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var row in rows)
            Console.WriteLine(row.Error is null
                ? $"| {row.Name} | {row.Dtype} | {row.Batch} | {row.LoadMs / 1000:0.0} | {row.Ms:0} | {row.Ms / 1000:0.00} | {row.PeakMb} |"
                : $"| {row.Name} | {row.Dtype} | {row.Batch} | | failed: {row.Error.Split('\n')[0]} | | {row.PeakMb} |");

        Console.WriteLine();
        Console.WriteLine("Estimates from the UNet alone (text encoder, VAE decoder and PNG not included):");
        Console.WriteLine();
        Console.WriteLine("| UNet | SD 1.5: 25 steps with guidance (25 × batch-2 call) s/image | SD 1.5 PNDM: 26 batch-2 calls s/image | SD-Turbo-like: 1 step, no guidance (1 × batch-1 call) s/image |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var name in rows.Select(r => r.Name).Distinct())
        {
            var b1 = rows.FirstOrDefault(r => r.Name == name && r.Batch == 1 && r.Error is null);
            var b2 = rows.FirstOrDefault(r => r.Name == name && r.Batch == 2 && r.Error is null);
            string S(double ms) => double.IsNaN(ms) || ms == 0 ? "n/a" : (ms / 1000).ToString("0", CultureInfo.InvariantCulture);
            Console.WriteLine($"| {name} | {(b2.Name is null ? "n/a" : S(25 * b2.Ms))} | {(b2.Name is null ? "n/a" : S(26 * b2.Ms))} | {(b1.Name is null ? "n/a" : (b1.Ms / 1000).ToString("0.0", CultureInfo.InvariantCulture))} |");
        }
    }

    /// <summary>Resets the process's peak resident set (VmHWM) on Linux: writing 5 to /proc/self/clear_refs.</summary>
    private static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long PeakMb()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null)
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
        }
        return Mb(Process.GetCurrentProcess().PeakWorkingSet64);
    }

    private static long Mb(long bytes) => bytes / (1024 * 1024);

    private static (int W, int H) ParseSize(string size)
    {
        var parts = size.Split('x');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static ServiceProvider Services(string model, int threads, string ep)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Offline"] = "true",
            ["LocalModels:Models:0:Id"] = model,
            ["LocalModels:Models:0:Task"] = TextToImageRequest.TaskName,
            ["Onnx:ExecutionProvider"] = ep,
            ["Onnx:IntraOpThreads"] = threads.ToString(CultureInfo.InvariantCulture),
        }).Build();
        return new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(HuggingFaceToken.FromEnvironment())
            .AddLocalTextToImage(configuration)
            .BuildServiceProvider();
    }
}
