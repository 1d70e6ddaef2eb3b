using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WebDemo.Features.Compare;

/// <summary>
/// A finished or stopped comparison as stored: its settings and every run, as JSON, so that it can
/// be reopened, exported again or set beside another. The prompt is the visitor's text (rendered
/// as text only); nothing a model answered is kept.
/// </summary>
internal sealed class SavedComparison
{
    /// <summary>A random id (32 hex characters), also its address (<c>/compare/{id}</c>).</summary>
    public required string Id { get; set; }

    /// <summary>The anonymous id of the browser it belongs to (a cookie).</summary>
    public required string BrowserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string Task { get; set; }

    /// <summary>The cloud model, or the first target's model; for the list of saved comparisons.</summary>
    public required string Model { get; set; }

    /// <summary>Whether the visitor stopped it before every run was done.</summary>
    public bool Stopped { get; set; }

    /// <summary><see cref="CompareSettings"/> as JSON.</summary>
    public required string SettingsJson { get; set; }

    /// <summary>The <see cref="RunResult"/>s as a JSON array.</summary>
    public required string ResultsJson { get; set; }
}

internal sealed class SavedComparisonTable : IEntityTypeConfiguration<SavedComparison>
{
    public void Configure(EntityTypeBuilder<SavedComparison> comparison)
    {
        comparison.ToTable("Comparisons");
        comparison.HasIndex(c => new { c.BrowserId, c.CreatedAt });
        comparison.HasIndex(c => c.CreatedAt);
    }
}

/// <summary>A saved comparison as the page lists and reopens it.</summary>
internal sealed record ComparisonRecord(string Id, DateTime CreatedAt, bool Stopped, CompareSettings Settings, IReadOnlyList<RunResult> Results);

/// <summary>A line of the list of saved comparisons.</summary>
internal sealed record ComparisonEntry(string Id, DateTime CreatedAt, string Task, string Model, bool Stopped);
