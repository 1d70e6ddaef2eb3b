using Ganss.Xss;
using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace WebDemo.Components.Shared.Markdown;

/// <summary>One piece of a rendered answer: sanitized HTML, or a code block shown as text with a copy button.</summary>
public abstract record MarkdownBlock
{
    public sealed record Html(string Markup) : MarkdownBlock;

    public sealed record Code(string Text, string? Language) : MarkdownBlock;
}

/// <summary>
/// Model output as Markdown, rendered for a page that must stay safe whatever the model wrote:
/// Markdig with raw HTML disabled (it shows as text), images turned into plain links (a remote
/// image would be fetched by the browser: a beacon), then HtmlSanitizer on the result (no
/// script, no event handlers, only http, https and mailto links, each with
/// <c>rel="noopener noreferrer nofollow"</c>). Code blocks come out as text for the page to show
/// with a copy button.
/// </summary>
public static class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .UseSoftlineBreakAsHardlineBreak() // models write single newlines meaning line breaks
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static IReadOnlyList<MarkdownBlock> Render(string markdown)
    {
        var document = Markdig.Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
            link.IsImage = false; // shown as a link to the image, never loaded

        var blocks = new List<MarkdownBlock>();
        var html = new StringWriter();
        var renderer = new HtmlRenderer(html);
        Pipeline.Setup(renderer);
        foreach (var block in document)
        {
            if (block is CodeBlock code)
            {
                Flush();
                blocks.Add(new MarkdownBlock.Code(code.Lines.ToString(), (code as FencedCodeBlock)?.Info is { Length: > 0 } info ? info : null));
                continue;
            }
            renderer.Render(block);
        }
        Flush();
        return blocks;

        void Flush()
        {
            renderer.Writer.Flush();
            var markup = html.ToString();
            if (markup.Length > 0)
                blocks.Add(new MarkdownBlock.Html(Sanitizer.Sanitize(markup)));
            html.GetStringBuilder().Clear();
        }
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto" })
            sanitizer.AllowedSchemes.Add(scheme);
        foreach (var tag in new[] { "img", "svg", "form", "button", "select", "textarea", "style" })
            sanitizer.AllowedTags.Remove(tag);
        sanitizer.AllowedAttributes.Remove("style");
        sanitizer.AllowedAttributes.Remove("class");
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } anchor)
            {
                anchor.SetAttribute("rel", "noopener noreferrer nofollow");
                anchor.SetAttribute("target", "_blank");
            }
        };
        return sanitizer;
    }
}
