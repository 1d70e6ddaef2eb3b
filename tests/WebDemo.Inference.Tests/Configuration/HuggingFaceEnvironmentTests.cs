using WebDemo.Inference.Configuration;

namespace WebDemo.Inference.Tests.Configuration;

public class HuggingFaceEnvironmentTests
{
    private static readonly Func<string, string?> Env = name => name switch
    {
        "HOME" or "USERPROFILE" => "/home/ann",
        "DATA" => "/data",
        _ => null,
    };

    [Theory]
    [InlineData("~", "/home/ann")]
    [InlineData("~/hf", "/home/ann/hf")]
    [InlineData("$DATA/hf", "/data/hf")]
    [InlineData("${DATA}/hf", "/data/hf")]
    [InlineData("~/$DATA", "/home/ann//data")]
    [InlineData("$UNSET/hf", "$UNSET/hf")] // as os.path.expandvars leaves an unknown variable
    [InlineData("/a/~b", "/a/~b")] // ~ only at the start
    public void Paths_expand_as_expanduser_of_expandvars(string path, string expanded) =>
        Assert.Equal(expanded, HuggingFaceEnvironment.ExpandPath(path, Env));

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData(" True ", true)]
    [InlineData("0", false)]
    [InlineData("off", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Truthy_values_are_huggingface_hubs(string? value, bool truthy) =>
        Assert.Equal(truthy, HuggingFaceEnvironment.IsTrue(value));
}
