namespace WebDemo.LocalHub;

/// <summary>
/// Usage: dotnet WebDemo.LocalHub.dll --urls http://127.0.0.1:7870 --repo org/name=/path/to/folder [--repo ...]
/// (An explicit class, not top-level statements, so its name does not clash with the web app's Program in the tests.)
/// </summary>
public static class LocalHubProgram
{
    public static int Main(string[] args)
    {
        var repos = new List<LocalRepo>();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--repo" && i + 1 < args.Length && args[i + 1].Split('=', 2) is [var id, var folder])
            {
                repos.Add(new LocalRepo(id, folder));
                i++;
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        if (repos.Count == 0)
        {
            Console.Error.WriteLine("Give at least one --repo org/name=folder.");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder(rest.ToArray());
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        var app = builder.Build();
        app.MapLocalHub(repos);
        foreach (var repo in repos)
            app.Logger.LogInformation("Serving {Repo} from {Folder}", repo.Id, Path.GetFullPath(repo.Folder));
        app.Run();
        return 0;
    }
}
