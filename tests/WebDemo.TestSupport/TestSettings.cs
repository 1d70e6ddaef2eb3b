using WebDemo.Inference.Configuration;

namespace WebDemo.TestSupport;

/// <summary>
/// How every test host configures the app, in one place: a loopback Hub with a temporary cache,
/// the local models, a fake router with fast retries, a token. The web server's tests pass the
/// values to WebApplicationFactory; the projects' own tests build services from them with the
/// same registration calls the host makes.
/// </summary>
public sealed class TestSettings
{
    private readonly Dictionary<string, string?> _values = new()
    {
        ["Onnx:ExecutionProvider"] = "cpu",
        ["Hub:Offline"] = "false",
        // Nothing of a test may reach the real Hub or router.
        ["Hub:Endpoint"] = "http://127.0.0.1:9",
        ["Cloud:RouterUrl"] = "http://127.0.0.1:9",
        ["Cloud:HubUrl"] = "http://127.0.0.1:9",
        // The test Hubs are loopback mirrors the tests trust with their token (tests of the
        // default, an untrusted mirror, set it back to false).
        [HubAuthorization.TrustMirrorSetting] = "true",
        // Every test calls from 127.0.0.1: the per-client limit has tests of its own.
        ["RateLimits:PermitsPerWindow"] = "100000",
        // Never the content root (src/WebDemo under WebApplicationFactory): a host with a temporary
        // folder of its own puts the database there instead, to have it deleted.
        ["Data:Folder"] = Path.Combine(Path.GetTempPath(), "webdemo-test-data", Guid.NewGuid().ToString("N")),
    };

    private string? _token;

    public IReadOnlyDictionary<string, string?> Values => _values;

    /// <summary>Models come from <paramref name="url"/> into <paramref name="cacheDir"/>.</summary>
    public TestSettings Hub(string url, string cacheDir, bool offline = false)
    {
        _values["Hub:Endpoint"] = url;
        _values["Hub:CacheDirectory"] = cacheDir;
        _values["Hub:Offline"] = offline ? "true" : "false";
        return this;
    }

    public TestSettings LocalModel(string id, string task = "text-classification", string dtype = "fp32", int index = 0, bool preload = false)
    {
        _values[$"LocalModels:Models:{index}:Preload"] = preload ? "true" : "false";
        _values[$"LocalModels:Models:{index}:Id"] = id;
        _values[$"LocalModels:Models:{index}:Task"] = task;
        _values[$"LocalModels:Models:{index}:Dtype"] = dtype;
        return this;
    }

    /// <summary>The tiny T5 as the local summarization (index 1) and translation (index 2) model, as the app's own configuration places them.</summary>
    public TestSettings LocalT5() =>
        LocalModel(TestPaths.T5RepoId, "summarization", index: 1).LocalModel(TestPaths.T5RepoId, "translation", index: 2);

    /// <summary>The tiny Llama as the local chat model (entry 3).</summary>
    public TestSettings LocalLlama() => LocalModel(TestPaths.LlamaRepoId, "text-generation", index: 3);

    /// <summary>The tiny Stable Diffusion pipeline as the local text-to-image model (entry 4).</summary>
    public TestSettings LocalStableDiffusion() => LocalModel(TestPaths.StableDiffusionRepoId, "text-to-image", index: 4);

    /// <summary>The cloud is <paramref name="url"/> (a <see cref="FakeRouter"/>), for tasks and provider mappings alike; retries start after 10 ms.</summary>
    public TestSettings Router(string url)
    {
        _values["Cloud:RouterUrl"] = url;
        _values["Cloud:HubUrl"] = url;
        _values["Cloud:Retry:BaseDelay"] = "00:00:00.010";
        _values["Cloud:ExtraProviders:0"] = "prov-a"; // the fake router's own providers
        _values["Cloud:ExtraProviders:1"] = "prov-b";
        return this;
    }

    /// <summary>The Hugging Face token the app finds (never the machine's own).</summary>
    public TestSettings Token(string? token)
    {
        _token = token;
        _values["HuggingFace:Token"] = token;
        return this;
    }

    public TestSettings Set(string key, string? value)
    {
        _values[key] = value;
        return this;
    }

    public TestSettings Set(IEnumerable<KeyValuePair<string, string?>> values)
    {
        foreach (var (key, value) in values)
            _values[key] = value;
        return this;
    }

    public IConfiguration Configuration() => new ConfigurationBuilder().AddInMemoryCollection(_values).Build();

    /// <summary>
    /// Services registered by <paramref name="register"/> (the same Add… calls the host makes),
    /// with logging and the test's token, not one from the machine's environment.
    /// </summary>
    public ServiceProvider Services(Action<IServiceCollection, IConfiguration> register)
    {
        var configuration = Configuration();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new HuggingFaceToken(name => name == "HF_TOKEN" ? _token : null));
        register(services, configuration);
        return services.BuildServiceProvider();
    }
}
