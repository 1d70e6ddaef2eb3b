using WebDemo.Inference.Configuration;

namespace WebDemo.Inference.Tests.Configuration;

public class HuggingFaceTokenTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void HF_TOKEN_comes_first()
    {
        var token = new HuggingFaceToken(Env(("HF_TOKEN", "hf_a"), ("HUGGING_FACE_HUB_TOKEN", "hf_b")), "hf_c");

        Assert.Equal("hf_a", token.Value);
        Assert.Equal("HF_TOKEN environment variable", token.Source);
    }

    [Fact]
    public void The_legacy_variable_comes_next()
    {
        var token = new HuggingFaceToken(Env(("HUGGING_FACE_HUB_TOKEN", "hf_b")), "hf_c");

        Assert.Equal("hf_b", token.Value);
    }

    [Fact]
    public void Then_the_token_file_under_HF_HOME_then_configuration()
    {
        var home = Directory.CreateTempSubdirectory().FullName;
        try
        {
            Assert.Equal("hf_c", new HuggingFaceToken(Env(("HF_HOME", home)), "hf_c").Value);

            File.WriteAllText(Path.Combine(home, "token"), "hf_from_file\n");
            var token = new HuggingFaceToken(Env(("HF_HOME", home)), "hf_c");

            Assert.Equal("hf_from_file", token.Value);
            Assert.Contains(Path.Combine(home, "token"), token.Source);
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }

    [Fact]
    public void HF_TOKEN_PATH_names_the_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "hf_explicit");
            Assert.Equal("hf_explicit", new HuggingFaceToken(Env(("HF_TOKEN_PATH", file), ("HF_HOME", "/nonexistent"))).Value);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void HF_TOKEN_PATH_and_HF_HOME_expand_the_home_folder_and_variables()
    {
        var home = Directory.CreateTempSubdirectory().FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(home, "hf"));
            File.WriteAllText(Path.Combine(home, "hf", "token"), "hf_under_home");
            File.WriteAllText(Path.Combine(home, "explicit"), "hf_explicit");

            Assert.Equal("hf_under_home", new HuggingFaceToken(Env(("HOME", home), ("USERPROFILE", home), ("HF_HOME", "~/hf"))).Value);
            Assert.Equal("hf_under_home", new HuggingFaceToken(Env(("BASE", home), ("HF_HOME", "${BASE}/hf"))).Value);
            Assert.Equal("hf_explicit", new HuggingFaceToken(Env(("BASE", home), ("HF_TOKEN_PATH", "$BASE/explicit"))).Value);
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }

    [Fact]
    public void HF_HUB_DISABLE_IMPLICIT_TOKEN_is_read_as_huggingface_hub_reads_it() // the values: HuggingFaceEnvironmentTests
    {
        Assert.True(new HuggingFaceToken(Env(("HF_TOKEN", "hf_a"), ("HF_HUB_DISABLE_IMPLICIT_TOKEN", "On"))).ImplicitTokenDisabled);
        Assert.False(new HuggingFaceToken(Env(("HF_TOKEN", "hf_a"), ("HF_HUB_DISABLE_IMPLICIT_TOKEN", "0"))).ImplicitTokenDisabled);
    }

    [Fact]
    public void No_token_anywhere_is_not_configured_and_never_printed()
    {
        var none = new HuggingFaceToken(Env(("HF_HOME", "/nonexistent")));
        var some = new HuggingFaceToken(Env(("HF_TOKEN", "hf_secret_value")));

        Assert.False(none.IsConfigured);
        Assert.Null(none.Source);
        Assert.DoesNotContain("hf_secret_value", some.ToString());
    }
}
