using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.Chat;
using WebDemo.Inference.Onnx.Tasks.TextToText;
using WebDemo.Inference.Onnx.Tests.Tasks.Chat;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Generation;

/// <summary>
/// Whether a loaded model guesses ahead is decided at load (the probe runs then, not at the first
/// request) and said in words for the Status page and the log (<see cref="ILocalModel.Decoding"/>).
/// </summary>
public class PromptLookupLoadTests
{
    private static OnnxSessionFactory Sessions() =>
        new(Options.Create(new OnnxRuntimeOptions { ExecutionProvider = "cpu" }), NullLogger<OnnxSessionFactory>.Instance);

    private static TextToTextModel LoadT5(bool split, int promptLookupTokens)
    {
        var entry = new LocalModelEntry { Id = TestPaths.T5RepoId, Task = "summarization" };
        var dir = TestPaths.TinyT5ModelDir;
        var files = TextToTextModel.FilesFor(entry, split).Where(f => File.Exists(Path.Combine(dir, f.Path))).ToDictionary(f => f.Path, f => Path.Combine(dir, f.Path));
        return TextToTextModel.Load(new ModelSnapshot(entry.Id, null, dir, files), entry, split, Sessions(), promptLookupTokens: promptLookupTokens);
    }

    [Fact]
    public void The_merged_t5_and_the_llama_guess_the_split_t5_cannot_and_zero_turns_it_off()
    {
        using var merged = LoadT5(split: false, promptLookupTokens: 8);
        using var split = LoadT5(split: true, promptLookupTokens: 8);
        using var off = LoadT5(split: false, promptLookupTokens: 0);
        using var llama = LocalChatModelTests.TinyLlama.Load(new LocalModelEntry { Id = TestPaths.LlamaRepoId, Task = LocalChatBackend.Task });

        Assert.Equal("Greedy requests guess up to 8 tokens ahead by prompt lookup, checked in one run.", merged.Decoding);
        Assert.Equal("Greedy requests guess up to 8 tokens ahead by prompt lookup, checked in one run.", ((ILocalModel)llama).Decoding);
        Assert.StartsWith("No prompt lookup: its graph does not take several new tokens after its cache", split.Decoding, StringComparison.Ordinal);
        Assert.Equal("Prompt lookup is off (Onnx:PromptLookupTokens 0).", off.Decoding);
    }
}
