using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WebDemo.Features.Flagging;

/// <summary>
/// One flagged output, as stored: what a visitor said about a result, with what is needed to see
/// that result again. Inputs, output and provenance are JSON, written by <see cref="FlagStore"/>;
/// all of it is untrusted text (a model's output, a visitor's words): never rendered as HTML.
/// </summary>
internal sealed class Flag
{
    public long Id { get; set; }

    /// <summary>When it was flagged, UTC.</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>The anonymous id of the visitor's browser (a cookie), never an address; null when there was none.</summary>
    public string? BrowserId { get; set; }

    /// <summary>The task's Hugging Face name ("text-classification").</summary>
    public required string Task { get; set; }

    /// <summary>The model that answered, from the provenance.</summary>
    public string? Model { get; set; }

    public required string Comment { get; set; }

    /// <summary>The request that produced the output, as JSON.</summary>
    public required string Inputs { get; set; }

    /// <summary>The output as the page had it, as JSON.</summary>
    public required string Output { get; set; }

    /// <summary>Provider, model, device, attempts and timings, as JSON.</summary>
    public string? Provenance { get; set; }

    /// <summary>The UTF-8 size of the texts above, for the size cap.</summary>
    public long Bytes { get; set; }
}

internal sealed class FlagTable : IEntityTypeConfiguration<Flag>
{
    public void Configure(EntityTypeBuilder<Flag> flag)
    {
        flag.ToTable("Flags");
        flag.HasIndex(f => f.CreatedAt);
    }
}
