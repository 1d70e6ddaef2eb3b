namespace WebDemo.TestSupport;

/// <summary>Where the repository and the shared, read-only models are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared beside the checkout (WEBDEMO_SHARED_DIR overrides).</summary>
    public static string SharedDir { get; } =
        Environment.GetEnvironmentVariable("WEBDEMO_SHARED_DIR") is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary>
    /// True when ../shared/models is there (CI and the offline workplace have it; a fresh clone
    /// elsewhere does not). Tests that need its third-party files are
    /// <see cref="SharedFactAttribute"/>s and skip without it.
    /// </summary>
    public static bool HasSharedModels { get; } = Directory.Exists(Path.Combine(SharedDir, "models"));

    /// <summary>The SST-2-trained sentiment model in ../shared (third-party data, never copied into the repository).</summary>
    public static string SentimentModelDir => Path.Combine(SharedDir, "models", "sentiment");

    /// <summary>The repository's own tiny random-weight DistilBERT classifier (tests/models), there on every clone.</summary>
    public static string TinySentimentModelDir => Path.Combine(RepoRoot, "tests", "models", "distilbert-tiny-random");

    /// <summary>The Hub id the tests serve the tiny T5 under (summarization and translation).</summary>
    public const string T5RepoId = "webdemo/t5-tiny-random";

    /// <summary>The tiny Llama's id as the test hubs serve it.</summary>
    public const string LlamaRepoId = "webdemo/llama-tiny-random";

    /// <summary>The tiny Stable Diffusion pipeline's id as the test hubs serve it.</summary>
    public const string StableDiffusionRepoId = "webdemo/sd-tiny-random";

    /// <summary>The repository's tiny random-weight Stable Diffusion pipeline (tests/models/sd-tiny-random, made by its own script).</summary>
    public static string TinyStableDiffusionModelDir => Path.Combine(RepoRoot, "tests", "models", "sd-tiny-random");

    /// <summary>The repository's tiny random-weight T5 (tests/models/t5-tiny-random, made by its own script).</summary>
    public static string TinyT5ModelDir => Path.Combine(RepoRoot, "tests", "models", "t5-tiny-random");

    /// <summary>The repository's tiny random-weight Llama chat model (tests/models/llama-tiny-random, made by its own script).</summary>
    public static string TinyLlamaModelDir => Path.Combine(RepoRoot, "tests", "models", "llama-tiny-random");

    public static string TokenizersDir => Path.Combine(SharedDir, "models", "_tokenizers");

    public static string Sst2Dev => Path.Combine(SharedDir, "data", "sst2-dev.txt");

    /// <summary>
    /// The repo id the tests serve the sentiment model under (<see cref="SentimentModel.Current"/>:
    /// the shared trained one as the run script does, else the tiny one).
    /// </summary>
    public const string SentimentRepoId = "webdemo/distilbert-tiny-sst2";

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WebDemo.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (WebDemo.slnx) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("webdemo-test-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
