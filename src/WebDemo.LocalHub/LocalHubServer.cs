using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace WebDemo.LocalHub;

/// <summary>One model repository: its id on the Hub and the folder holding its files.</summary>
public sealed record LocalRepo(string Id, string Folder);

/// <summary>
/// The Hub endpoints a model download uses, over local folders:
/// <c>GET /api/models/{id}[/revision/{rev}]</c> (id, sha, siblings) and
/// <c>HEAD|GET /{id}/resolve/{rev}/{path}</c> with ETag (sha256, as for LFS files),
/// X-Repo-Commit, Content-Length and Range, and the Hub's X-Error-Code on 404.
/// </summary>
public static class LocalHubServer
{
    public static void MapLocalHub(this WebApplication app, IEnumerable<LocalRepo> repos)
    {
        var index = repos.Select(RepoIndex.Build).ToDictionary(r => r.Id, StringComparer.Ordinal);

        app.MapGet("/api/models/{org}/{name}", (string org, string name) => ModelInfo(index, $"{org}/{name}"));
        app.MapGet("/api/models/{org}/{name}/revision/{revision}", (string org, string name) => ModelInfo(index, $"{org}/{name}"));
        app.MapMethods("/{org}/{name}/resolve/{revision}/{**path}", ["GET", "HEAD"],
            (string org, string name, string path, HttpContext context) =>
            {
                if (!index.TryGetValue($"{org}/{name}", out var repo))
                    return NotFound(context, "RepoNotFound", "Repository not found");
                if (!repo.Files.TryGetValue(path, out var file))
                    return NotFound(context, "EntryNotFound", "Entry not found");
                context.Response.Headers["X-Repo-Commit"] = repo.Commit;
                return Results.File(file.FullPath, "application/octet-stream",
                    entityTag: new EntityTagHeaderValue($"\"{file.Sha256}\""), enableRangeProcessing: true);
            });
    }

    private static IResult ModelInfo(Dictionary<string, RepoIndex> index, string id) =>
        index.TryGetValue(id, out var repo)
            ? Results.Json(new
            {
                id = repo.Id,
                modelId = repo.Id,
                sha = repo.Commit,
                siblings = repo.Files.Keys.Order(StringComparer.Ordinal).Select(p => new { rfilename = p }),
            })
            : Results.Json(new { error = "Repository not found" }, statusCode: 404);

    private static IResult NotFound(HttpContext context, string code, string message)
    {
        context.Response.Headers["X-Error-Code"] = code;
        context.Response.Headers["X-Error-Message"] = message;
        return Results.Json(new { error = message }, statusCode: 404);
    }

    private sealed record FileEntry(string FullPath, string Sha256);

    private sealed record RepoIndex(string Id, string Commit, Dictionary<string, FileEntry> Files)
    {
        public static RepoIndex Build(LocalRepo repo)
        {
            var root = Path.GetFullPath(repo.Folder);
            if (!Directory.Exists(root))
                throw new DirectoryNotFoundException($"Model folder '{root}' for '{repo.Id}' does not exist.");
            var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Select(full => (Relative: Path.GetRelativePath(root, full).Replace('\\', '/'), Full: full))
                .Where(f => !f.Relative.StartsWith('.'))
                .ToDictionary(f => f.Relative, f => new FileEntry(f.Full, Sha256Of(f.Full)), StringComparer.Ordinal);
            // The commit is content-addressed: it changes exactly when a file does.
            var manifest = string.Join('\n', files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} {f.Value.Sha256}"));
            // 40 hex digits, as a Hub commit id is; an id, not a security boundary.
#pragma warning disable CA5350
            var commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(manifest)));
#pragma warning restore CA5350
            return new RepoIndex(repo.Id, commit, files);
        }

        private static string Sha256Of(string path)
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
    }
}
