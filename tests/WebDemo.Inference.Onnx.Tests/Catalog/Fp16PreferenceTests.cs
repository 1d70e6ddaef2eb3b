using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Tasks.TextToText;
using WebDemo.LocalHub;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Catalog;

/// <summary>
/// On CUDA (Onnx:PreferFp16OnCuda) an fp32 entry loads its repository's fp16 export where the
/// repository ships one, through the Hub as a download would; where it does not, its fp32 files.
/// The choice is made by <see cref="LocalModelLoader.FetchAsync"/>, asked here with CUDA's answer.
/// </summary>
public sealed class Fp16PreferenceTests : IAsyncLifetime
{
    private const string NoFp16RepoId = "webdemo/t5-tiny-fp32-only";
    private readonly TempDirectory _cache = new();
    private readonly TempDirectory _fp32Only = new();
    private LoopbackHub _hub = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        // The tiny T5 without its fp16 files: a repository that ships fp32 only.
        foreach (var file in Directory.EnumerateFiles(TestPaths.TinyT5ModelDir, "*", SearchOption.AllDirectories).Where(f => !f.Contains("_fp16", StringComparison.Ordinal)))
        {
            var target = Path.Combine(_fp32Only.Path, Path.GetRelativePath(TestPaths.TinyT5ModelDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        _hub = await LoopbackHub.StartAsync([new LocalRepo(TestPaths.T5RepoId, TestPaths.TinyT5ModelDir), new LocalRepo(NoFp16RepoId, _fp32Only.Path)]);
        _services = new TestSettings().Hub(_hub.Url, _cache.Path).LocalT5()
            .Services((services, configuration) => services.AddLocalTextToText(configuration));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _hub.DisposeAsync();
        _cache.Dispose();
        _fp32Only.Dispose();
    }

    private LocalModelLoader Loader => _services.GetRequiredService<LocalModelLoader>();

    private ILocalModelKind Summarization => _services.GetServices<ILocalModelKind>().Single(k => k.Task == "summarization");

    private static LocalModelEntry Entry(string id, string dtype = "fp32") => new() { Id = id, Task = "summarization", Dtype = dtype };

    [Fact]
    public async Task On_cuda_an_fp32_entry_downloads_and_loads_the_fp16_export_its_repository_ships()
    {
        var (entry, snapshot) = await Loader.FetchAsync(Entry(TestPaths.T5RepoId), Summarization, preferFp16: true, null, CancellationToken.None);

        Assert.Equal("fp16", entry.Dtype);
        Assert.NotNull(snapshot.TryGet("onnx/encoder_model_fp16.onnx"));
        Assert.NotNull(snapshot.TryGet("onnx/decoder_model_merged_fp16.onnx"));
        Assert.Null(snapshot.TryGet("onnx/encoder_model.onnx")); // the fp32 files are not fetched as well
        // Loaded, it generates what transformers.js generates from the fp16 files (tests/models/reference_fp16.json).
        using var model = Assert.IsType<TextToTextModel>(Summarization.Load(snapshot, entry));
        var run = model.GenerateIds("summarize: The quick brown fox jumps over the lazy dog near the river bank.",
            new GenerationSettings { MaxNewTokens = 20 });
        Assert.Equal([133, 74, 156, 156, 156, 133, 74, 293, 133, 189, 291, 156, 257, 427, 257, 460, 97, 179, 156, 179], run.Ids);
    }

    [Fact]
    public async Task A_repository_without_an_fp16_export_loads_fp32()
    {
        var (entry, snapshot) = await Loader.FetchAsync(Entry(NoFp16RepoId), Summarization, preferFp16: true, null, CancellationToken.None);

        Assert.Equal("fp32", entry.Dtype);
        Assert.NotNull(snapshot.TryGet("onnx/encoder_model.onnx"));
        Assert.Null(snapshot.TryGet("onnx/encoder_model_fp16.onnx"));
    }

    /// <summary>A task whose files do not depend on the dtype (as an image pipeline's): fp16 would be a name only.</summary>
    private sealed class SameFilesForEveryDtype : ILocalModelKind
    {
        public string Task => "summarization";

        public IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry) => [new("config.json")];

        public ILocalModel Load(ModelSnapshot snapshot, LocalModelEntry entry) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_task_whose_files_ignore_the_dtype_is_not_called_fp16()
    {
        var (entry, _) = await Loader.FetchAsync(Entry(TestPaths.T5RepoId), new SameFilesForEveryDtype(), preferFp16: true, null, CancellationToken.None);

        Assert.Equal("fp32", entry.Dtype);
    }

    [Fact]
    public async Task A_model_loaded_for_one_task_is_still_listed_for_each_task_it_serves()
    {
        await Loader.GetAsync<TextToTextModel>(TestPaths.T5RepoId, "summarization", null, CancellationToken.None);

        var rows = Loader.Describe().Where(m => m.Id == TestPaths.T5RepoId).ToList();

        Assert.Equal(["summarization", "translation"], rows.Select(r => r.Task));
        Assert.All(rows, r => Assert.True(r.Loaded));
        Assert.All(rows, r => Assert.Equal("fp32", r.Dtype));
    }

    [Fact]
    public async Task On_cpu_the_configured_fp32_files_are_loaded()
    {
        var (entry, snapshot) = await Loader.FetchAsync(Entry(TestPaths.T5RepoId), Summarization, preferFp16: false, null, CancellationToken.None);

        Assert.Equal("fp32", entry.Dtype);
        Assert.NotNull(snapshot.TryGet("onnx/encoder_model.onnx"));
    }

    [Fact]
    public async Task Another_dtype_chosen_on_purpose_is_not_replaced()
    {
        // The fixture has no q8 files: the error names the one asked for, not an fp16 one.
        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            Loader.FetchAsync(Entry(TestPaths.T5RepoId, "q8"), Summarization, preferFp16: true, null, CancellationToken.None));

        Assert.Contains("onnx/encoder_model_quantized.onnx", error.Message);
    }
}
