using System.ComponentModel.DataAnnotations;

namespace WebDemo.Features.TextToImage.Gallery;

/// <summary>How many generated images are kept (section "Gallery"): per browser and in all, by count, age and size; the oldest go first.</summary>
public sealed class GalleryOptions
{
    public const string Section = "Gallery";

    /// <summary>Images kept per browser; one more deletes its oldest.</summary>
    [Range(1, 10_000)]
    public int MaxPerBrowser { get; set; } = 24;

    /// <summary>Images older than this are deleted.</summary>
    [Range(1, 3_650)]
    public int MaxAgeDays { get; set; } = 7;

    /// <summary>The most bytes one browser's images may take, in MiB; its oldest go past it.</summary>
    [Range(1, 100_000)]
    public int MaxMegabytesPerBrowser { get; set; } = 64;

    /// <summary>The most bytes all browsers' images may take, in MiB: the server's disk cap. The oldest go past it, whoever's they are.</summary>
    [Range(1, 1_000_000)]
    public int MaxMegabytes { get; set; } = 1_024;
}
