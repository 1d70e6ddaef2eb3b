using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WebDemo.Features.TextToImage.Gallery;

/// <summary>
/// One generated image in a browser's gallery, as stored: the encoded bytes and what made them.
/// The prompt is untrusted text (rendered as text only); the bytes are served with the content
/// type they were stored with, only to the browser they belong to.
/// </summary>
internal sealed class GalleryImage
{
    /// <summary>A random id (32 hex characters), also its address (<c>/gallery/{id}</c>).</summary>
    public required string Id { get; set; }

    /// <summary>The anonymous id of the browser it belongs to (a cookie).</summary>
    public required string BrowserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string Prompt { get; set; }

    public string? NegativePrompt { get; set; }

    public required string Model { get; set; }

    public required string Provider { get; set; }

    public long? Seed { get; set; }

    public int? Steps { get; set; }

    public double? GuidanceScale { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>How long the call took, from the request to the image.</summary>
    public double Seconds { get; set; }

    public required string ContentType { get; set; }

    public required byte[] Bytes { get; set; }

    /// <summary>The length of <see cref="Bytes"/>, for the size caps without reading them.</summary>
    public long Size { get; set; }
}

internal sealed class GalleryImageTable : IEntityTypeConfiguration<GalleryImage>
{
    public void Configure(EntityTypeBuilder<GalleryImage> image)
    {
        image.ToTable("GalleryImages");
        image.HasIndex(i => new { i.BrowserId, i.CreatedAt });
        image.HasIndex(i => i.CreatedAt);
    }
}

/// <summary>An image of the gallery without its bytes: enough to show it (its bytes come from its address) and say what made it.</summary>
public sealed record GalleryEntry(string Id, DateTime CreatedAt, string Prompt, string? NegativePrompt, string Model, string Provider,
    long? Seed, int? Steps, double? GuidanceScale, int Width, int Height, double Seconds, string ContentType)
{
    /// <summary>Where the browser fetches it; with <c>?download=1</c> it comes as a file to save.</summary>
    public string Url => $"/gallery/{Id}";

    /// <summary>The file name a download gets: the prompt's first words and the seed.</summary>
    public string FileName => GalleryFileNames.For(Prompt, Seed, ContentType);
}

internal static class GalleryFileNames
{
    /// <summary>"a-red-fox-in-snow-42.png": letters and digits of the prompt's start, the seed, the type's extension.</summary>
    public static string For(string prompt, long? seed, string contentType)
    {
        var words = new string(prompt.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray())
            .Split('-', StringSplitOptions.RemoveEmptyEntries).Take(6);
        var stem = string.Join('-', words) is { Length: > 0 } s ? s : "image";
        var extension = contentType switch { "image/jpeg" => "jpg", "image/webp" => "webp", _ => "png" };
        return seed is null ? $"{stem}.{extension}" : $"{stem}-{seed}.{extension}";
    }
}
