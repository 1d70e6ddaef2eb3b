using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace WebDemo.Features.Usage;

/// <summary>One finished task call as stored (<see cref="Inference.Usage.UsageRecord"/>): no input or output, only what it used.</summary>
internal sealed class UsageRow
{
    public long Id { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>"page", "hub", "api" or "other".</summary>
    public required string Surface { get; set; }

    public string? BrowserId { get; set; }

    public required string Task { get; set; }

    public required string Provider { get; set; }

    public required string Model { get; set; }

    public int TokensIn { get; set; }

    public int TokensOut { get; set; }

    public int Images { get; set; }

    public int? Steps { get; set; }

    public double DurationMs { get; set; }

    /// <summary>"ok", "failed" or "cancelled".</summary>
    public required string Outcome { get; set; }

    public string? ErrorKind { get; set; }

    /// <summary>An estimate in US dollars (a double: SQLite sums REAL, not decimal); null where no price is known.</summary>
    public double? EstimatedCostUsd { get; set; }

    public bool IsCloud { get; set; }
}

internal sealed class UsageRowConfiguration : IEntityTypeConfiguration<UsageRow>
{
    public void Configure(EntityTypeBuilder<UsageRow> row)
    {
        row.ToTable("Usage");
        row.HasKey(u => u.Id);
        row.Property(u => u.Surface).HasMaxLength(16);
        row.Property(u => u.BrowserId).HasMaxLength(32);
        row.Property(u => u.Task).HasMaxLength(64);
        row.Property(u => u.Provider).HasMaxLength(128);
        row.Property(u => u.Model).HasMaxLength(256);
        row.Property(u => u.Outcome).HasMaxLength(16);
        row.Property(u => u.ErrorKind).HasMaxLength(32);
        row.HasIndex(u => u.CreatedAt);
        row.HasIndex(u => new { u.BrowserId, u.CreatedAt });
    }
}
