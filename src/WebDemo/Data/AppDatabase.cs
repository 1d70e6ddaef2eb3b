using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WebDemo.Data;

/// <summary>
/// The app's one SQLite database (docs/ARCHITECTURE.md, "Server-side state"): every feature that
/// keeps state (flags, conversations, the image gallery, comparisons, usage) adds its tables here. A
/// feature declares its table in its own folder with an <see cref="IEntityTypeConfiguration{T}"/>
/// and a <c>DbSet</c> below, and adds a migration (Data/Migrations), so existing rows survive an upgrade.
/// </summary>
internal sealed class AppDatabase(DbContextOptions<AppDatabase> options) : DbContext(options)
{
    public DbSet<Features.Flagging.Flag> Flags => Set<Features.Flagging.Flag>();

    public DbSet<Features.Chat.Conversations.Conversation> Conversations => Set<Features.Chat.Conversations.Conversation>();

    public DbSet<Features.TextToImage.Gallery.GalleryImage> GalleryImages => Set<Features.TextToImage.Gallery.GalleryImage>();

    public DbSet<Features.Compare.SavedComparison> Comparisons => Set<Features.Compare.SavedComparison>();

    public DbSet<Features.Usage.UsageRow> Usage => Set<Features.Usage.UsageRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AppDatabase).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        // SQLite keeps no time zone: every time is stored as UTC and read back as UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();

    private sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
        time => time.ToUniversalTime(), stored => DateTime.SpecifyKind(stored, DateTimeKind.Utc));
}

/// <summary>
/// What <c>dotnet ef migrations add</c> uses to build the model, so the tool never starts the web
/// host (which would load models and bind ports). The path is never opened.
/// </summary>
internal sealed class AppDatabaseDesignTimeFactory : IDesignTimeDbContextFactory<AppDatabase>
{
    public AppDatabase CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDatabase>().UseSqlite("Data Source=design-time.db").Options);
}
