using Microsoft.Extensions.Logging.Abstractions;
using WebDemo.Inference.Configuration;

namespace WebDemo.Inference.Tests.Configuration;

public class HubAuthorizationTests
{
    private static readonly HuggingFaceToken Token = new(name => name == "HF_TOKEN" ? "hf_a" : null);

    private static string? TokenFor(string hub, bool trustMirror = false, HuggingFaceToken? token = null) =>
        new HubAuthorization(token ?? Token, NullLogger<HubAuthorization>.Instance, trustMirror)
            .TokenFor(new Uri(hub));

    [Theory]
    [InlineData("https://huggingface.co", true)]
    [InlineData("https://HuggingFace.co/", true)]
    [InlineData("https://hub-ci.huggingface.co", true)]
    [InlineData("http://huggingface.co", false)] // never in clear text
    [InlineData("https://huggingface.co.evil.example", false)]
    [InlineData("https://evilhuggingface.co", false)]
    [InlineData("https://hf-mirror.com", false)]
    [InlineData("http://127.0.0.1:7870", false)]
    public void Only_huggingface_co_over_https_gets_the_token_by_default(string hub, bool sent) =>
        Assert.Equal(sent ? "hf_a" : null, TokenFor(hub));

    [Fact]
    public void A_trusted_mirror_gets_the_token() =>
        Assert.Equal("hf_a", TokenFor("http://127.0.0.1:7870", trustMirror: true));

    [Fact]
    public void HF_HUB_DISABLE_IMPLICIT_TOKEN_keeps_it_from_every_hub() =>
        Assert.Null(TokenFor("https://huggingface.co", trustMirror: true,
            token: new HuggingFaceToken(name => name switch { "HF_TOKEN" => "hf_a", "HF_HUB_DISABLE_IMPLICIT_TOKEN" => "1", _ => null })));
}
