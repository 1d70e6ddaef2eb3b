using System.Diagnostics;
using System.Text.Json;

namespace WebDemo.TestSupport;

/// <summary>Runs one of the real npm clients in tests/clients (installed by scripts/test.sh) and reads the JSON it prints.</summary>
public static class NodeClient
{
    public static string Directory { get; } = Path.Combine(TestPaths.RepoRoot, "tests", "clients");

    /// <param name="package">The npm package the script needs, to say what to install when it is missing.</param>
    public static async Task<JsonDocument> RunAsync(string script, string package, params string[] args)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", package)))
            throw new InvalidOperationException($"Run 'npm ci' in tests/clients (scripts/test.sh does) to install {package}.");
        using var node = Process.Start(new ProcessStartInfo("node", [script, .. args])
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        if (node.ExitCode != 0)
            throw new InvalidOperationException($"node {script} exited with {node.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout);
    }
}
