using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Tests.ModelStore;

public class HubOptionsTests
{
    private static HubOptions FromEnvironment(params (string Name, string Value)[] values)
    {
        var options = new HubOptions();
        options.ApplyEnvironment(name => values.FirstOrDefault(v => v.Name == name).Value);
        return options;
    }

    [Fact]
    public void The_cache_under_HF_HOME_expands_the_home_folder_and_variables()
    {
        var options = FromEnvironment(("HOME", "/home/ann"), ("HF_HOME", "~/hf/${SUITE}"), ("SUITE", "demo"));

        Assert.Equal(Path.Combine("/home/ann/hf/demo", "hub"), options.CacheDirectory);
    }

    [Fact]
    public void HF_HUB_CACHE_expands_too()
    {
        var options = FromEnvironment(("DATA", "/data"), ("HF_HUB_CACHE", "$DATA/hub-cache"));

        Assert.Equal("/data/hub-cache", options.CacheDirectory);
    }

    [Fact]
    public void HF_HUB_OFFLINE_is_read_as_huggingface_hub_reads_it() // the values: HuggingFaceEnvironmentTests
    {
        Assert.True(FromEnvironment(("HF_HUB_OFFLINE", "YES")).Offline);
        Assert.False(FromEnvironment(("HF_HUB_OFFLINE", "0")).Offline);
    }
}
