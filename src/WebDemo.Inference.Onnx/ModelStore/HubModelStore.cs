using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Onnx.ModelStore;

/// <summary>
/// Fetches model repositories into the Hugging Face hub cache layout, as huggingface_hub does:
/// <c>models--org--name/blobs/&lt;etag&gt;</c>, <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c> linking to the blob,
/// and <c>refs/&lt;revision&gt;</c> holding the commit. Downloads stream to <c>.incomplete</c> files,
/// resume with HTTP Range after a broken connection, are checked (size, and sha256 for LFS
/// files) and renamed into place atomically. Offline mode only reads the cache.
/// </summary>
internal sealed partial class HubModelStore(
    IHttpClientFactory httpClientFactory,
    IOptions<HubOptions> options,
    HuggingFaceToken token,
    HubAuthorization hubAuthorization,
    ILogger<HubModelStore> logger)
{
    /// <summary>The named HttpClient; it must not follow redirects (the metadata is on the first response).</summary>
    public const string HttpClientName = "hf-hub";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _repoLocks = new(StringComparer.Ordinal);

    private HubOptions Options => options.Value;

    /// <summary>
    /// Makes the files available locally and returns where they are. <paramref name="repoId"/> is a
    /// Hub repository id ("org/name") or, as from_pretrained allows, a local folder.
    /// </summary>
    public async Task<ModelSnapshot> EnsureAsync(
        string repoId, IReadOnlyList<ModelFile> files, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        if (Directory.Exists(repoId))
            return FromLocalFolder(repoId, files);

        ValidateRepoId(repoId);
        var gate = _repoLocks.GetOrAdd(repoId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Options.Offline)
                return FromCache(repoId, files, reason: "HF_HUB_OFFLINE is set");
            return await DownloadAsync(repoId, files, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>What is cached for a repository, without touching the network; null when nothing is.</summary>
    public ModelSnapshot? TryGetCached(string repoId, IReadOnlyList<ModelFile> files)
    {
        if (Directory.Exists(repoId))
            return FromLocalFolder(repoId, files);
        if (!RepoIdPattern().IsMatch(repoId))
            return null;
        var commit = ReadCommit(repoId);
        if (commit is null)
            return null;
        var snapshotDir = SnapshotDirectory(repoId, commit);
        var found = files.Select(f => (f.Path, Full: Path.Combine(snapshotDir, f.Path)))
            .Where(f => File.Exists(f.Full))
            .ToDictionary(f => f.Path, f => f.Full);
        return found.Count == 0 ? null : new ModelSnapshot(repoId, commit, snapshotDir, found);
    }

    public string RepoDirectory(string repoId) =>
        Path.Combine(Options.CacheDirectory, "models--" + repoId.Replace("/", "--"));

    private string SnapshotDirectory(string repoId, string commit) =>
        Path.Combine(RepoDirectory(repoId), "snapshots", commit);

    private string? ReadCommit(string repoId)
    {
        var revision = Options.Revision;
        var refFile = Path.Combine(RepoDirectory(repoId), "refs", revision);
        if (File.Exists(refFile))
            return File.ReadAllText(refFile).Trim();
        // A revision that is itself a commit hash has no ref file.
        return Directory.Exists(SnapshotDirectory(repoId, revision)) ? revision : null;
    }

    private static ModelSnapshot FromLocalFolder(string folder, IReadOnlyList<ModelFile> files)
    {
        var full = Path.GetFullPath(folder);
        var found = new Dictionary<string, string>();
        foreach (var file in files)
        {
            var path = Path.Combine(full, file.Path);
            if (File.Exists(path))
                found[file.Path] = path;
            else if (file.Required)
                throw new InferenceException(InferenceErrorKind.ModelNotFound,
                    $"The model folder '{folder}' has no file '{file.Path}'.");
        }
        return new ModelSnapshot(folder, null, full, found);
    }

    private ModelSnapshot FromCache(string repoId, IReadOnlyList<ModelFile> files, string reason)
    {
        var cached = TryGetCached(repoId, files);
        var missing = files.Where(f => f.Required && cached?.TryGet(f.Path) is null).Select(f => f.Path).ToList();
        if (cached is null || missing.Count > 0)
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"Model '{repoId}' is not in the local cache ({Options.CacheDirectory}) and {reason}, so it cannot be downloaded." +
                (missing.Count > 0 ? $" Missing: {string.Join(", ", missing)}." : ""));
        return cached;
    }

    private async Task<ModelSnapshot> DownloadAsync(
        string repoId, IReadOnlyList<ModelFile> files, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var client = httpClientFactory.CreateClient(HttpClientName);

        // First ask for every file's metadata, so progress can speak of the total size.
        var plans = new List<FilePlan>();
        foreach (var file in files)
        {
            FileMetadata? metadata;
            try
            {
                metadata = await GetMetadataAsync(client, repoId, file, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (ex.StatusCode is null)
            {
                // The Hub is out of reach: what is cached still works, as with huggingface_hub.
                logger.LogWarning("Cannot reach {Endpoint} ({Error}); using the cached copy of {Repo} if there is one.",
                    Options.Endpoint, ex.Message, repoId);
                return FromCache(repoId, files, reason: $"{Options.Endpoint} cannot be reached ({ex.Message})");
            }
            if (metadata is not null)
                plans.Add(new FilePlan(file, metadata));
        }

        var commit = plans.Select(p => p.Metadata.Commit).FirstOrDefault(c => c is not null) ?? Options.Revision;
        var repoDir = RepoDirectory(repoId);
        var snapshotDir = SnapshotDirectory(repoId, commit);
        var toFetch = plans.Where(p => !File.Exists(BlobPath(repoDir, p.Metadata.ETag))).ToList();
        var totalBytes = toFetch.Sum(p => p.Metadata.Size ?? 0);
        var done = 0L;
        var lastReport = Stopwatch.StartNew();

        foreach (var plan in toFetch)
        {
            var fileStart = done;
            await DownloadBlobAsync(client, repoId, plan, BlobPath(repoDir, plan.Metadata.ETag), bytesSoFar =>
            {
                done = fileStart + bytesSoFar;
                if (progress is not null && (lastReport.ElapsedMilliseconds >= 100 || done == totalBytes))
                {
                    lastReport.Restart();
                    progress.Report(new ProgressInfo("download",
                        $"Downloading {repoId}: {plan.File.Path} ({FormatBytes(done)} of {FormatBytes(totalBytes)})",
                        totalBytes > 0 ? Math.Min(1.0, (double)done / totalBytes) : null));
                }
            }, ct).ConfigureAwait(false);
            done = fileStart + (plan.Metadata.Size ?? 0);
        }

        var found = new Dictionary<string, string>();
        foreach (var plan in plans)
        {
            var target = Path.Combine(snapshotDir, plan.File.Path);
            LinkIntoSnapshot(BlobPath(repoDir, plan.Metadata.ETag), target);
            found[plan.File.Path] = target;
        }
        if (!string.Equals(commit, Options.Revision, StringComparison.Ordinal))
        {
            Directory.CreateDirectory(Path.Combine(repoDir, "refs"));
            await File.WriteAllTextAsync(Path.Combine(repoDir, "refs", Options.Revision), commit, ct).ConfigureAwait(false);
        }
        return new ModelSnapshot(repoId, commit, snapshotDir, found);
    }

    private sealed record FilePlan(ModelFile File, FileMetadata Metadata);

    /// <param name="DownloadUrl">Where the bytes are; may be another host (a CDN) after a redirect.</param>
    private sealed record FileMetadata(string ETag, string? Commit, long? Size, Uri DownloadUrl);

    /// <summary>HEAD on the resolve URL, following relative redirects only (as huggingface_hub does).</summary>
    private async Task<FileMetadata?> GetMetadataAsync(HttpClient client, string repoId, ModelFile file, CancellationToken ct)
    {
        var url = ResolveUrl(repoId, file.Path);
        for (var hop = 0; hop < 5; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            AddAuthorization(request, url);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);

            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                var target = location.IsAbsoluteUri ? location : new Uri(url, location);
                var linkedEtag = Header(response, "X-Linked-Etag");
                if (linkedEtag is not null || target.Host != url.Host)
                {
                    // An LFS file: its metadata is here, its bytes are at the redirect target.
                    return new FileMetadata(CleanETag(linkedEtag ?? Header(response, "ETag") ?? throw MissingEtag(repoId, file)),
                        Header(response, "X-Repo-Commit"),
                        long.TryParse(Header(response, "X-Linked-Size"), out var linkedSize) ? linkedSize : null,
                        target);
                }
                url = target;
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                var etag = Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag ?? Header(response, "ETag")
                    ?? throw MissingEtag(repoId, file);
                var size = long.TryParse(Header(response, "X-Linked-Size"), out var s) ? s : response.Content.Headers.ContentLength;
                return new FileMetadata(CleanETag(etag), Header(response, "X-Repo-Commit"), size, url);
            }

            var errorCode = Header(response, "X-Error-Code");
            if (response.StatusCode == HttpStatusCode.NotFound && errorCode == "EntryNotFound" && !file.Required)
                return null;
            throw ErrorFor(response.StatusCode, errorCode, repoId, file);
        }
        throw new InferenceException(InferenceErrorKind.ModelUnavailable, $"Too many redirects for '{file.Path}' of '{repoId}'.");
    }

    private async Task DownloadBlobAsync(
        HttpClient client, string repoId, FilePlan plan, string blobPath, Action<long> onBytes, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(blobPath)!);
        var incomplete = blobPath + ".incomplete";
        var expected = plan.Metadata.Size;

        // A broken connection resumes from what is on disk; only transient faults are retried.
        var retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder()
                .Handle<HttpRequestException>(ex => ex.StatusCode is null or HttpStatusCode.RequestTimeout
                    or HttpStatusCode.TooManyRequests || (int?)ex.StatusCode >= 500)
                .Handle<IOException>(),
            MaxRetryAttempts = Options.DownloadRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            OnRetry = args =>
            {
                logger.LogWarning("Download of {File} from {Repo} broke off ({Error}); resuming (attempt {Attempt}).",
                    plan.File.Path, repoId, args.Outcome.Exception?.Message, args.AttemptNumber + 2);
                return ValueTask.CompletedTask;
            },
        }).Build();

        await retry.ExecuteAsync(async token =>
        {
            var existing = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
            if (expected is { } size && existing == size)
                return;
            using var request = new HttpRequestMessage(HttpMethod.Get, plan.Metadata.DownloadUrl);
            AddAuthorization(request, plan.Metadata.DownloadUrl);
            if (existing > 0)
                request.Headers.Range = new RangeHeaderValue(existing, null);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                File.Delete(incomplete); // what is on disk does not fit the file any more
                throw new IOException("The partial download did not match the file; starting again.");
            }
            if (!response.IsSuccessStatusCode)
            {
                if ((int)response.StatusCode is >= 500 or 408 or 429)
                    throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
                throw ErrorFor(response.StatusCode, Header(response, "X-Error-Code"), repoId, plan.File);
            }
            var append = response.StatusCode == HttpStatusCode.PartialContent;
            if (!append)
                existing = 0;
            await using var target = new FileStream(incomplete, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await ReadWithIdleTimeoutAsync(body, buffer, token).ConfigureAwait(false)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                existing += read;
                onBytes(existing);
            }
            if (expected is { } want && existing < want)
                throw new IOException($"The connection closed after {existing} of {want} bytes.");
        }, ct).ConfigureAwait(false);

        Verify(incomplete, plan, repoId);
        File.Move(incomplete, blobPath, overwrite: true);
    }

    /// <summary>A stalled connection becomes an <see cref="IOException"/>, which the retry resumes.</summary>
    private async Task<int> ReadWithIdleTimeoutAsync(Stream body, byte[] buffer, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(Options.ReadIdleTimeout);
        try
        {
            return await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"No data for {Options.ReadIdleTimeout.TotalSeconds:0} s.");
        }
    }

    private static void Verify(string path, FilePlan plan, string repoId)
    {
        var length = new FileInfo(path).Length;
        var problem = plan.Metadata.Size is { } size && length != size
            ? $"{length} bytes instead of {size}"
            : null;
        // LFS files are named by their sha256: check the bytes against it.
        if (problem is null && Sha256Pattern().IsMatch(plan.Metadata.ETag))
        {
            using var stream = File.OpenRead(path);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != plan.Metadata.ETag)
                problem = $"sha256 {actual} instead of {plan.Metadata.ETag}";
        }
        if (problem is null)
            return;
        File.Delete(path);
        throw new InferenceException(InferenceErrorKind.ModelUnavailable,
            $"The download of '{plan.File.Path}' from '{repoId}' is corrupt ({problem}); it was deleted, try again.");
    }

    private static void LinkIntoSnapshot(string blobPath, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target))
            return;
        try
        {
            var relative = Path.GetRelativePath(Path.GetDirectoryName(target)!, blobPath);
            File.CreateSymbolicLink(target, relative);
        }
        catch (IOException)
        {
            File.Copy(blobPath, target); // file systems without symlinks, as huggingface_hub falls back to
        }
        catch (UnauthorizedAccessException)
        {
            File.Copy(blobPath, target);
        }
    }

    private Uri ResolveUrl(string repoId, string path)
    {
        var escapedPath = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        return new Uri($"{Options.Endpoint.TrimEnd('/')}/{repoId}/resolve/{Uri.EscapeDataString(Options.Revision)}/{escapedPath}");
    }

    /// <summary>
    /// The token goes only to the Hub itself, never to the host a redirect points at, and to the
    /// Hub only as <see cref="HubAuthorization"/> allows (huggingface.co or a trusted mirror).
    /// </summary>
    private void AddAuthorization(HttpRequestMessage request, Uri url)
    {
        var hub = new Uri(Options.Endpoint);
        if (string.Equals(url.Host, hub.Host, StringComparison.OrdinalIgnoreCase) && hubAuthorization.TokenFor(hub) is { } value)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", value);
    }

    private InferenceException ErrorFor(HttpStatusCode status, string? errorCode, string repoId, ModelFile file) => (status, errorCode) switch
    {
        (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, "GatedRepo") => new(InferenceErrorKind.Unauthorized,
            $"Model '{repoId}' is gated: accept its conditions on the Hub and set HF_TOKEN to a token of that account."),
        (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) => new(InferenceErrorKind.Unauthorized, token.IsConfigured
            ? $"The Hugging Face token has no access to '{repoId}'."
            : $"Model '{repoId}' is private or gated: set HF_TOKEN to a token with access to it."),
        (HttpStatusCode.NotFound, "EntryNotFound") => new(InferenceErrorKind.ModelNotFound,
            $"Model '{repoId}' has no file '{file.Path}'."),
        (HttpStatusCode.NotFound, "RevisionNotFound") => new(InferenceErrorKind.ModelNotFound,
            $"Model '{repoId}' has no revision '{Options.Revision}'."),
        (HttpStatusCode.NotFound, _) => new(InferenceErrorKind.ModelNotFound,
            $"Model '{repoId}' was not found on {Options.Endpoint}."),
        _ => new(InferenceErrorKind.ModelUnavailable,
            $"Downloading '{file.Path}' of '{repoId}' failed: HTTP {(int)status}."),
    };

    private static InferenceException MissingEtag(string repoId, ModelFile file) => new(InferenceErrorKind.ModelUnavailable,
        $"The server sent no ETag for '{file.Path}' of '{repoId}'; it does not look like a Hugging Face Hub.");

    private static void ValidateRepoId(string repoId)
    {
        if (!RepoIdPattern().IsMatch(repoId) || repoId.Contains(".."))
            throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"'{repoId}' is neither a model id (org/name) nor an existing folder.");
    }

    private static string BlobPath(string repoDir, string etag) => Path.Combine(repoDir, "blobs", etag);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? contentValues.FirstOrDefault()
        : null;

    private static string CleanETag(string etag)
    {
        var value = etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;
        value = value.Trim('"');
        if (!EtagPattern().IsMatch(value))
            throw new InferenceException(InferenceErrorKind.ModelUnavailable, $"The server sent an unusable ETag '{etag}'.");
        return value;
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };

    [GeneratedRegex(@"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")]
    private static partial Regex RepoIdPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    // ETags become file names: allow only what cannot escape the blobs folder.
    [GeneratedRegex(@"^[A-Za-z0-9\-_]+$")]
    private static partial Regex EtagPattern();
}
