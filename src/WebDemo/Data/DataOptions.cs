namespace WebDemo.Data;

/// <summary>Where the app keeps its server-side state (section "Data").</summary>
public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>
    /// The folder of the app's database. Unset: <c>/data</c> when it exists and is writable (a Space
    /// with persistent storage attached), else <c>data/</c> under the content root.
    /// </summary>
    public string? Folder { get; set; }
}

/// <summary>The data folder and database file the app uses, resolved once at start.</summary>
internal sealed class AppDataLocation
{
    public const string FileName = "webdemo.db";

    /// <summary>The persistent storage a Space mounts when it has some.</summary>
    public const string SpacesStorage = "/data";

    public AppDataLocation(string folder) => Folder = Path.GetFullPath(folder);

    public string Folder { get; }

    public string DatabasePath => Path.Combine(Folder, FileName);

    public string ConnectionString => $"Data Source={DatabasePath}";

    public static AppDataLocation Resolve(DataOptions options, string contentRoot) =>
        new(options.Folder is { Length: > 0 } folder ? Path.Combine(contentRoot, folder)
            : IsWritableFolder(SpacesStorage) ? SpacesStorage
            : Path.Combine(contentRoot, "data"));

    private static bool IsWritableFolder(string folder)
    {
        if (!Directory.Exists(folder))
            return false;
        var probe = Path.Combine(folder, $".webdemo-write-test-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
