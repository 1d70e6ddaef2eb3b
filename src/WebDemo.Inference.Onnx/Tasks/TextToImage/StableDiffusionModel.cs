using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Diffusion;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Onnx.Tasks.TextToImage;

/// <summary>What a Stable Diffusion export's configs say about the sizes it draws and how.</summary>
/// <param name="SampleSize">The UNet's trained latent side (64 for SD 1.5: 512 px).</param>
/// <param name="VaeScale">Pixels per latent cell: 2^(VAE blocks - 1), 8 for SD.</param>
/// <param name="SizeMultiple">What width and height must be multiples of: the VAE scale times the UNet's downsampling (64 for SD).</param>
/// <param name="TimeCondProjDim">An LCM-distilled UNet's guidance embedding size (time_cond_proj_dim), else null.</param>
internal sealed record StableDiffusionConfig(
    int SampleSize, int LatentChannels, float ScalingFactor, int VaeScale, int SizeMultiple, int? TimeCondProjDim, SchedulerConfig Scheduler)
{
    public int DefaultSide => SampleSize * VaeScale;

    /// <summary>Twice the trained size: beyond it SD repeats itself and the memory grows fourfold per doubling.</summary>
    public int MaxSide => DefaultSide * 2;

    public static StableDiffusionConfig Load(ModelSnapshot snapshot)
    {
        var unet = snapshot.ReadJson("unet/config.json");
        var vae = snapshot.ReadJson("vae_decoder/config.json");
        var scheduler = snapshot.ReadJson("scheduler/scheduler_config.json") is { } s
            ? new SchedulerConfig(s)
            : throw new InferenceException(InferenceErrorKind.ModelUnavailable, $"'{snapshot.RepoId}' has no scheduler/scheduler_config.json.");
        var vaeBlocks = vae?.Member("block_out_channels") is { ValueKind: JsonValueKind.Array } vb ? vb.GetArrayLength() : 4;
        var unetBlocks = unet?.Member("block_out_channels") is { ValueKind: JsonValueKind.Array } ub ? ub.GetArrayLength() : 4;
        var vaeScale = 1 << Math.Max(0, vaeBlocks - 1);
        return new StableDiffusionConfig(
            unet?.IntOrNull("sample_size") ?? 64,
            unet?.IntOrNull("in_channels") ?? vae?.IntOrNull("latent_channels") ?? 4,
            (float)(vae?.DoubleOrNull("scaling_factor") ?? 0.18215),
            vaeScale,
            vaeScale << Math.Max(0, unetBlocks - 1),
            unet?.IntOrNull("time_cond_proj_dim"),
            scheduler);
    }
}

/// <summary>One image's settings, resolved from a request and the model's defaults.</summary>
/// <param name="TimestepSpacing">For checks: diffusers' <c>from_config(..., timestep_spacing=...)</c>.</param>
internal sealed record DiffusionSettings(
    string Prompt, string? NegativePrompt, int Width, int Height, int Steps, double GuidanceScale, string? Scheduler, long Seed,
    string? TimestepSpacing = null);

/// <summary>What one UNet call did, for progress and previews.</summary>
internal sealed record DiffusionStep(int Index, int Total, double Timestep, float[] Latents, TimeSpan Elapsed);

/// <summary>A finished image before PNG encoding, with what the checks compare.</summary>
internal sealed record DiffusionResult(float[] FinalLatents, byte[] Rgb, int Width, int Height, int[] InputIds, int[]? NegativeInputIds,
    double[] Timesteps, float[] PromptEmbeds);

/// <summary>
/// A Stable Diffusion pipeline exported to ONNX as Optimum lays it out (model_index.json;
/// text_encoder/, unet/, vae_decoder/ with model.onnx; tokenizer/; scheduler/), run as diffusers'
/// StableDiffusionPipeline runs it: CLIP ids → text encoder (and the negative or empty prompt for
/// classifier-free guidance), seeded noise × init_noise_sigma, per timestep the scaled latents
/// through the UNet and a scheduler step, then the VAE decoder and 8-bit RGB. Sessions are shared;
/// each request has its own scheduler and latents.
/// </summary>
internal sealed class StableDiffusionModel : ILocalModel
{
    private const string TextEncoderFile = "text_encoder/model.onnx";
    private const string UnetFile = "unet/model.onnx";
    private const string VaeDecoderFile = "vae_decoder/model.onnx";

    private readonly OnnxGraph _textEncoder;
    private readonly OnnxGraph _unet;
    private readonly OnnxGraph _vaeDecoder;
    private readonly ClipTokenizer _tokenizer;

    private StableDiffusionModel(ModelSnapshot snapshot, LocalModelEntry entry, StableDiffusionConfig config, ClipTokenizer tokenizer,
        OnnxGraph textEncoder, OnnxGraph unet, OnnxGraph vaeDecoder)
    {
        Snapshot = snapshot;
        Entry = entry;
        Config = config;
        _tokenizer = tokenizer;
        _textEncoder = textEncoder;
        _unet = unet;
        _vaeDecoder = vaeDecoder;
    }

    public ModelSnapshot Snapshot { get; }

    public LocalModelEntry Entry { get; }

    public StableDiffusionConfig Config { get; }

    internal ClipTokenizer Tokenizer => _tokenizer;

    /// <summary>
    /// The files of an Optimum Stable Diffusion export. Large graphs keep their weights beside them
    /// (<c>model.onnx_data</c>, fetched when the repository has it).
    /// </summary>
    public static IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry) =>
    [
        new("model_index.json", Required: false),
        new("scheduler/scheduler_config.json"),
        new("tokenizer/vocab.json"), new("tokenizer/merges.txt"),
        new("tokenizer/tokenizer_config.json", Required: false), new("tokenizer/special_tokens_map.json", Required: false),
        new("text_encoder/config.json", Required: false), new(TextEncoderFile), new(TextEncoderFile + "_data", Required: false),
        new("unet/config.json", Required: false), new(UnetFile), new(UnetFile + "_data", Required: false),
        new("vae_decoder/config.json", Required: false), new(VaeDecoderFile), new(VaeDecoderFile + "_data", Required: false),
    ];

    public static StableDiffusionModel Load(ModelSnapshot snapshot, LocalModelEntry entry, OnnxSessionFactory sessions)
    {
        var config = StableDiffusionConfig.Load(snapshot);
        DiffusionScheduler.Create(null, config.Scheduler); // the config's own scheduler must be one this app runs
        var tokenizer = ClipTokenizer.Load(snapshot.Get("tokenizer/vocab.json"), snapshot.Get("tokenizer/merges.txt"),
            snapshot.TryGet("tokenizer/tokenizer_config.json"), snapshot.TryGet("tokenizer/special_tokens_map.json"));
        var graphs = new List<OnnxGraph>();
        try
        {
            OnnxGraph Open(string file, string what)
            {
                var graph = new OnnxGraph(sessions.Create(snapshot, file), what);
                graphs.Add(graph);
                return graph;
            }
            return new StableDiffusionModel(snapshot, entry, config, tokenizer,
                Open(TextEncoderFile, "text encoder"), Open(UnetFile, "UNet"), Open(VaeDecoderFile, "VAE decoder"));
        }
        catch
        {
            graphs.ForEach(g => g.Dispose());
            throw;
        }
    }

    /// <summary>The most previews one image sends (0: none).</summary>
    public int MaxPreviews { get; init; } = 8;

    /// <summary>
    /// A request's settings with the model's defaults (the entry's Steps and GuidanceScale, else 25
    /// steps, 4 for LCM, and guidance 7.5; the trained size), checked against what the model can draw.
    /// </summary>
    public DiffusionSettings Resolve(string prompt, TextToImageParameters parameters)
    {
        var scheduler = parameters.Scheduler is { Length: > 0 } name ? name.Trim() : null;
        if (scheduler is not null && !DiffusionScheduler.Known.Contains(scheduler))
            throw new InferenceException(InferenceErrorKind.InvalidInput,
                $"Unknown scheduler \"{scheduler}\"; the local pipeline has {string.Join(", ", DiffusionScheduler.Known)}.");
        var isLcm = (scheduler ?? Config.Scheduler.ClassName) == "LCMScheduler";
        var width = parameters.Width ?? Config.DefaultSide;
        var height = parameters.Height ?? Config.DefaultSide;
        CheckSide("width", width);
        CheckSide("height", height);
        var steps = parameters.NumInferenceSteps ?? Entry.Steps ?? (isLcm ? 4 : 25);
        var guidance = parameters.GuidanceScale ?? Entry.GuidanceScale ?? 7.5;
        var seed = parameters.Seed ?? Random.Shared.NextInt64(0, 1L << 53);
        return new DiffusionSettings(prompt, parameters.NegativePrompt, width, height, steps, guidance, scheduler, seed);
    }

    private void CheckSide(string name, int side)
    {
        if (side > Config.MaxSide)
            throw new InferenceException(InferenceErrorKind.InvalidInput,
                $"\"{name}\" can be at most {Config.MaxSide} pixels for {Snapshot.RepoId} (twice its trained {Config.DefaultSide}); {side} was asked.");
        if (side < Config.SizeMultiple || side % Config.SizeMultiple != 0)
            throw new InferenceException(InferenceErrorKind.InvalidInput,
                $"\"{name}\" must be a multiple of {Config.SizeMultiple} pixels for {Snapshot.RepoId}; {side} is not " +
                $"(try {Math.Max(Config.SizeMultiple, side / Config.SizeMultiple * Config.SizeMultiple)}).");
    }

    /// <summary>Draws one image: progress per step, previews every few steps, then the PNG.</summary>
    public IAsyncEnumerable<InferenceUpdate<GeneratedImage>> GenerateAsync(DiffusionSettings settings, CancellationToken cancellationToken) =>
        BackgroundGeneration.StreamAsync<InferenceUpdate<GeneratedImage>>(
            Snapshot.RepoId, (writer, ct) => Produce(settings, writer, ct), cancellationToken);

    private void Produce(DiffusionSettings settings, ChannelWriter<InferenceUpdate<GeneratedImage>> writer, CancellationToken cancellationToken)
    {
        var (latentWidth, latentHeight) = (settings.Width / Config.VaeScale, settings.Height / Config.VaeScale);
        var shownSteps = 0;
        var result = Run(settings, new GaussianNoise(settings.Seed), step =>
        {
            var done = step.Index + 1;
            // Counted in the steps the user asked for, as diffusers' progress bar counts them: PNDM
            // makes one more UNet call than steps (its warm-up), which does not count as a step.
            var shown = (int)((long)done * settings.Steps / step.Total);
            if (shown == shownSteps)
                return;
            shownSteps = shown;
            var eta = step.Elapsed.TotalSeconds / done * (step.Total - done);
            writer.TryWrite(InferenceUpdate<GeneratedImage>.ForProgress(
                new ProgressInfo(GeneratedImage.StepStage, $"Step {shown} of {settings.Steps}", (double)shown / settings.Steps) { EtaSeconds = eta }));
            if (IsPreviewStep(shown, settings.Steps, MaxPreviews))
            {
                var preview = ImageOutput.EncodePng(ImageOutput.PreviewRgb(step.Latents, latentWidth, latentHeight), latentWidth, latentHeight);
                writer.TryWrite(InferenceUpdate<GeneratedImage>.ForPartial(new GeneratedImage(preview, "image/png", latentWidth, latentHeight,
                    settings.Seed, settings.Steps, IsPreview: true, Step: shown)));
            }
        }, cancellationToken);
        var png = ImageOutput.EncodePng(result.Rgb, result.Width, result.Height);
        writer.TryWrite(InferenceUpdate<GeneratedImage>.ForPartial(
            new GeneratedImage(png, "image/png", result.Width, result.Height, settings.Seed, settings.Steps)));
    }

    /// <summary>Previews every max(2, ⌈n / max⌉) steps, never at the last (the image itself follows).</summary>
    internal static bool IsPreviewStep(int done, int total, int maxPreviews)
    {
        if (maxPreviews <= 0 || done >= total)
            return false;
        var every = Math.Max(2, (total + maxPreviews - 1) / maxPreviews);
        return done % every == 0;
    }

    /// <summary>
    /// The whole pipeline with the given noise source (seeded, or the reference's arrays): returns
    /// the final latents and the RGB bytes. <paramref name="onStep"/> is told after each UNet call;
    /// cancellation is honoured between calls and stops a running call.
    /// </summary>
    internal DiffusionResult Run(DiffusionSettings settings, INoiseSource noise, Action<DiffusionStep>? onStep, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var schedulerConfig = settings.TimestepSpacing is { } spacing
            ? Config.Scheduler.With(new Dictionary<string, object?> { ["timestep_spacing"] = spacing })
            : Config.Scheduler;
        var scheduler = DiffusionScheduler.Create(settings.Scheduler, schedulerConfig);
        scheduler.SetTimesteps(settings.Steps);

        using var runOptions = new RunOptions();
        using var stop = cancellationToken.Register(() => runOptions.Terminate = true);
        try
        {
            return RunCore(settings, scheduler, noise, onStep, runOptions, cancellationToken);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private DiffusionResult RunCore(DiffusionSettings settings, DiffusionScheduler scheduler, INoiseSource noise,
        Action<DiffusionStep>? onStep, RunOptions runOptions, CancellationToken cancellationToken)
    {
        // diffusers: classifier-free guidance when guidance_scale > 1, unless the UNet embeds the guidance itself (LCM-distilled).
        var guidanceEmbedded = Config.TimeCondProjDim is not null && _unet.HasInput("timestep_cond");
        var guided = settings.GuidanceScale > 1 && !guidanceEmbedded;
        var ids = _tokenizer.Encode(settings.Prompt);
        var promptEmbeds = Encode(ids, runOptions, out var embedShape);
        int[]? negativeIds = null;
        var embeds = promptEmbeds;
        var batch = 1;
        if (guided)
        {
            negativeIds = _tokenizer.Encode(settings.NegativePrompt ?? "");
            var negativeEmbeds = Encode(negativeIds, runOptions, out _);
            embeds = [.. negativeEmbeds, .. promptEmbeds]; // diffusers' batch order: unconditional, then text
            batch = 2;
        }
        cancellationToken.ThrowIfCancellationRequested();

        var (latentWidth, latentHeight) = (settings.Width / Config.VaeScale, settings.Height / Config.VaeScale);
        var channels = Config.LatentChannels;
        var size = channels * latentHeight * latentWidth;
        var latents = new float[size];
        noise.Fill(latents);
        var sigma = scheduler.InitNoiseSigma;
        for (var i = 0; i < size; i++)
            latents[i] *= sigma;

        var sampleName = _unet.Input("sample");
        var timestepName = _unet.Input("timestep", 1);
        var statesName = _unet.Input("encoder_hidden_states", 2);
        var outputName = _unet.Output("out_sample");
        long[] sampleShape = [batch, channels, latentHeight, latentWidth];
        using var states = _unet.Floats(statesName, embeds, [batch, embedShape[1], embedShape[2]]);
        using var timestepCond = guidanceEmbedded
            ? _unet.Floats("timestep_cond", GuidanceEmbedding(settings.GuidanceScale - 1, Config.TimeCondProjDim!.Value), [1, Config.TimeCondProjDim!.Value])
            : null;
        var guidance = (float)settings.GuidanceScale;
        var started = Stopwatch.GetTimestamp();
        var total = scheduler.Timesteps.Length;
        for (var step = 0; step < total; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = scheduler.Timesteps[step];
            var input = new float[size * batch];
            for (var row = 0; row < batch; row++)
                latents.CopyTo(input, row * size);
            scheduler.ScaleModelInput(input, step);
            using var sample = _unet.Floats(sampleName, input, sampleShape);
            // Optimum's current export takes a scalar timestep; its older one, one per batch row.
            using var timestep = _unet.InputRank(timestepName) == 0
                ? _unet.Numbers(timestepName, [t], [])
                : _unet.Numbers(timestepName, [.. Enumerable.Repeat(t, batch)], [batch]);
            var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
            {
                [sampleName] = sample, [timestepName] = timestep, [statesName] = states,
            };
            if (timestepCond is not null)
                inputs["timestep_cond"] = timestepCond;
            var (output, _) = _unet.Run(runOptions, inputs, outputName);
            float[] prediction;
            if (guided)
            {
                prediction = new float[size];
                for (var i = 0; i < size; i++)
                {
                    var uncond = output[i];
                    prediction[i] = uncond + guidance * (output[size + i] - uncond);
                }
            }
            else
            {
                prediction = output;
            }
            latents = scheduler.Step(prediction, step, latents, noise);
            onStep?.Invoke(new DiffusionStep(step, total, t, latents, Stopwatch.GetElapsedTime(started)));
        }
        cancellationToken.ThrowIfCancellationRequested();

        var scaled = new float[size];
        for (var i = 0; i < size; i++)
            scaled[i] = latents[i] / Config.ScalingFactor;
        var latentName = _vaeDecoder.Input("latent_sample");
        using var latentValue = _vaeDecoder.Floats(latentName, scaled, [1, channels, latentHeight, latentWidth]);
        var (image, shape) = _vaeDecoder.Run(runOptions, new Dictionary<string, OrtValue> { [latentName] = latentValue }, _vaeDecoder.Output("sample"));
        var (height, width) = ((int)shape[2], (int)shape[3]);
        var rgb = ImageOutput.ToRgb(image, width, height);
        return new DiffusionResult(latents, rgb, width, height, ids, negativeIds, scheduler.Timesteps, promptEmbeds);
    }

    /// <summary>The text encoder's last_hidden_state for one row of ids ([1, 77, hidden]).</summary>
    private float[] Encode(int[] ids, RunOptions runOptions, out long[] shape)
    {
        var name = _textEncoder.Input("input_ids");
        using var value = _textEncoder.Numbers(name, [.. ids.Select(i => (double)i)], [1, ids.Length]);
        (var data, shape) = _textEncoder.Run(runOptions, new Dictionary<string, OrtValue> { [name] = value }, _textEncoder.Output("last_hidden_state"));
        return data;
    }

    /// <summary>
    /// diffusers' get_guidance_scale_embedding (LatentConsistencyModelPipeline): w·1000 times
    /// exp(-ln(10000)·k / (half - 1)) for k &lt; half, then sines and cosines (zero-padded to an odd size).
    /// </summary>
    internal static float[] GuidanceEmbedding(double w, int dimension)
    {
        var half = dimension / 2;
        var factor = MathF.Log(10000f) / (half - 1);
        var result = new float[dimension];
        var scaled = (float)w * 1000f;
        for (var k = 0; k < half; k++)
        {
            var e = scaled * MathF.Exp(k * -factor);
            result[k] = MathF.Sin(e);
            result[half + k] = MathF.Cos(e);
        }
        return result;
    }

    public void Dispose()
    {
        _textEncoder.Dispose();
        _unet.Dispose();
        _vaeDecoder.Dispose();
    }
}
