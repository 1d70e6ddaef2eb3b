using AngleSharp.Html.Parser;
using Bunit;
using WebDemo.Components.Shared.Markdown;

namespace WebDemo.Tests.Components.Shared;

/// <summary>Model output is untrusted: whatever it writes, the page gets nothing that runs or calls out.</summary>
public sealed class SafeMarkdownTests : IAsyncDisposable
{
    private readonly BunitContext _ctx = MudTestContext.Create();

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    /// <summary>Script, event handlers, dangerous URL schemes, SVG, frames, styles and remote-image beacons, as Markdown and as raw HTML.</summary>
    public static TheoryData<string> Attacks => new()
    {
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<a href=\"javascript:alert(1)\">click</a>",
        "<style>body{background:url(https://beacon.example/css)}</style>",
        "<details open ontoggle=alert(1)>x</details>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[ref]\n\n[ref]: javascript:alert(1)",
        "[t](https://ok.example \"a\\\" onmouseover=\\\"alert(1)\")",
        "![beacon](https://beacon.example/pixel.png)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "[![img](https://beacon.example/a.png)](https://ok.example)",
        "text {onclick=alert(1)}",
        "`<script>alert(1)</script>`",
        "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
        "- [ ] <script>alert(1)</script>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "\ud800 lone surrogate <b onmouseover=alert(1)>x</b>",
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Nothing_executable_or_remote_survives(string attack)
    {
        foreach (var block in SafeMarkdown.Render(attack))
        {
            if (block is not MarkdownBlock.Html html)
                continue;
            var document = new HtmlParser().ParseDocument("<body>" + html.Markup + "</body>");
            foreach (var element in document.Body!.QuerySelectorAll("*"))
            {
                Assert.DoesNotContain(element.LocalName, new[] { "script", "img", "svg", "iframe", "object", "embed", "style", "link", "meta", "form", "math", "details" });
                foreach (var attribute in element.Attributes)
                {
                    Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{attribute.Name} on <{element.LocalName}> from {attack}");
                    Assert.NotEqual("style", attribute.Name);
                    Assert.NotEqual("src", attribute.Name);
                    if (attribute.Name == "href")
                        Assert.Matches("^(https?:|mailto:)", attribute.Value);
                }
                if (element.LocalName == "a")
                    Assert.Equal("noopener noreferrer nofollow", element.GetAttribute("rel"));
            }
        }
    }

    [Fact]
    public void Markdown_renders_with_links_as_links_and_images_as_links_to_them()
    {
        var html = Assert.IsType<MarkdownBlock.Html>(Assert.Single(SafeMarkdown.Render(
            "**bold** and [the docs](https://huggingface.co/docs) ![a cat](https://img.example/cat.png)"))).Markup;

        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<a href=\"https://huggingface.co/docs\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">the docs</a>", html);
        Assert.Contains("<a href=\"https://img.example/cat.png\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">a cat</a>", html);
    }

    [Fact]
    public void Raw_html_is_shown_as_text()
    {
        var html = Assert.IsType<MarkdownBlock.Html>(Assert.Single(SafeMarkdown.Render("Use <b>bold</b> tags"))).Markup;

        Assert.Contains("&lt;b&gt;bold&lt;/b&gt;", html);
    }

    [Fact]
    public void Code_blocks_come_out_as_text_between_the_html_around_them()
    {
        var blocks = SafeMarkdown.Render("Run this:\n\n```python\nprint(\"<script>\")\n```\n\nDone.");

        Assert.Collection(blocks,
            b => Assert.Contains("Run this:", Assert.IsType<MarkdownBlock.Html>(b).Markup),
            b =>
            {
                var code = Assert.IsType<MarkdownBlock.Code>(b);
                Assert.Equal("python", code.Language);
                Assert.Equal("print(\"<script>\")", code.Text);
            },
            b => Assert.Contains("Done.", Assert.IsType<MarkdownBlock.Html>(b).Markup));
    }

    [Fact]
    public void The_view_shows_code_as_text_with_a_copy_button()
    {
        var view = _ctx.Render<MarkdownView>(p => p.Add(c => c.Text, "```js\nalert(\"<b>hi</b>\")\n```"));

        Assert.Equal("alert(\"<b>hi</b>\")", view.Find("pre code").TextContent);
        Assert.Empty(view.FindAll("pre code b")); // text, not markup
        Assert.NotNull(view.Find("[data-testid=copy-code]"));
    }
}
