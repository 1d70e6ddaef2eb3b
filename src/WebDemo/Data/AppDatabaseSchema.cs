using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace WebDemo.Data;

/// <summary>The database is not there to be used (the data folder is not writable, the file is damaged), in words.</summary>
public sealed class DataUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Text as the database can keep it.</summary>
internal static class StoredText
{
    /// <summary>A lone surrogate (half of an emoji, cut) cannot be stored as UTF-8: it becomes U+FFFD, as a browser shows it.</summary>
    public static string Valid(string text) => System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));
}

/// <summary>
/// Creates the data folder and brings the database to the latest migration: at start, and again on
/// first use if that failed (a folder made writable later, say). While it cannot, the features that
/// keep state say so in words and the rest of the app works on.
/// </summary>
internal sealed class AppDatabaseSchema(IDbContextFactory<AppDatabase> databases, AppDataLocation location, ILogger<AppDatabaseSchema> logger)
    : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    public AppDataLocation Location => location;

    /// <summary>Returns once the schema is current; throws <see cref="DataUnavailableException"/> when it cannot be.</summary>
    public async Task EnsureAsync(CancellationToken ct = default)
    {
        if (_ready)
            return;
        await _gate.WaitAsync(ct);
        try
        {
            if (_ready)
                return;
            Directory.CreateDirectory(location.Folder);
            await using var db = await databases.CreateDbContextAsync(ct);
            await db.Database.MigrateAsync(ct);
            // Readers do not wait for a writer, and a writer does not wait for readers.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            _ready = true;
        }
        catch (Exception ex) when (ex is DbException or IOException or UnauthorizedAccessException)
        {
            throw Unavailable(ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh context once the schema is current; a database or file
    /// error comes out as <see cref="DataUnavailableException"/>, in words.
    /// </summary>
    public async Task<T> UseAsync<T>(Func<AppDatabase, Task<T>> work, CancellationToken ct)
    {
        await EnsureAsync(ct);
        try
        {
            await using var db = await databases.CreateDbContextAsync(ct);
            return await work(db);
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or IOException or UnauthorizedAccessException)
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Logs a database or file error and wraps it in words (the path and the reason, not the stack).</summary>
    public DataUnavailableException Unavailable(Exception ex)
    {
        logger.LogWarning(ex, "The database {Database} cannot be used", location.DatabasePath);
        return new($"The app's database ({location.DatabasePath}) cannot be used: {ex.Message}", ex);
    }

    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureAsync(cancellationToken);
            logger.LogInformation("Server-side state is kept in {Database}", location.DatabasePath);
        }
        catch (DataUnavailableException ex)
        {
            // Not fatal (logged already): demos run without it; flagging and the like say they cannot store.
            logger.LogWarning("Server-side state is off until the database can be used: {Reason}", ex.Message);
        }
    }

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _gate.Dispose();
}
