using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using System.Text.Json.Serialization.Metadata;
using WebDemo.Inference.Json;

namespace WebDemo.Api;

/// <summary>A request body that could not be read, with what is wrong in words and the status to answer.</summary>
internal sealed class BadBodyException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// Reads a JSON request body into a wire record, saying in words what is wrong: not JSON at all
/// (400), or JSON of the wrong shape (the wire format's status, 400 or 422), naming the field
/// and what it should be, never the parser's internals.
/// </summary>
internal static class JsonBody
{
    /// <param name="shapeStatus">The status for well-formed JSON of the wrong shape.</param>
    /// <param name="expectedBody">What the body should look like, for a body that is not an object.</param>
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, int shapeStatus, string expectedBody, CancellationToken ct)
    {
        if (request.ContentLength is 0)
            throw new BadBodyException(shapeStatus, $"The request body is empty; send {expectedBody}.");
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException ex)
        {
            // JsonDocument's depth limit (64 by default) would read as "not valid JSON"; say which rule the body broke.
            var why = ex.Message.Contains("maximum configured depth", StringComparison.Ordinal)
                ? "nests arrays or objects more than 64 deep"
                : "is not valid JSON";
            throw new BadBodyException(StatusCodes.Status400BadRequest,
                $"The request body {why} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}); send {expectedBody}.");
        }
        // Kestrel's refusal of a body over MaxRequestBodySize, in the app's words and error shape.
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var most = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            throw new BadBodyException(StatusCodes.Status413PayloadTooLarge,
                $"The request body is larger than this server accepts{(most is { } bytes ? $" ({bytes:N0} bytes at most)" : "")}; send less text at a time.");
        }
        // The client stopped sending part-way: its body was shorter than its Content-Length, it sent
        // too slowly (Kestrel's 408), or it went away (a reset connection: nobody is left to answer).
        // Its failure, answered in words, not a server failure in the log.
        catch (IOException ex)
        {
            throw new BadBodyException((ex as BadHttpRequestException)?.StatusCode ?? StatusCodes.Status400BadRequest,
                "The request body could not be read to its end; send the whole body.");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new BadBodyException(shapeStatus, $"The body must be a JSON object: {expectedBody}.");
            try
            {
                return document.RootElement.Deserialize(type)
                    ?? throw new BadBodyException(shapeStatus, $"The body must be a JSON object: {expectedBody}.");
            }
            catch (JsonException ex)
            {
                throw new BadBodyException(shapeStatus, Describe(ex, type));
            }
        }
    }

    /// <summary>"\"parameters.top_k\" must be a whole number." from the exception's JSON path and the wire record's declared types.</summary>
    private static string Describe(JsonException error, JsonTypeInfo root)
    {
        var path = (error.Path ?? "$").TrimStart('$').TrimStart('.');
        // The reader's own words for text that is not Unicode: a lone surrogate (\ud800) or bad UTF-8.
        if (error.InnerException is InvalidOperationException { Message: var reason } && reason.Contains("UTF-", StringComparison.Ordinal))
            return $"\"{path}\" is not valid text: it holds an unpaired UTF-16 surrogate or invalid UTF-8. Send well-formed Unicode.";
        if (error is WireValueException)
            return $"\"{path}\" {error.Message}";
        var expected = Expected(root, path);
        return expected is null ? $"\"{path}\" has the wrong type." : $"\"{path}\" must be {expected}.";
    }

    private static string? Expected(JsonTypeInfo root, string path)
    {
        JsonTypeInfo? current = root;
        JsonPropertyInfo? property = null;
        foreach (var segment in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = segment.IndexOf('[');
            var name = bracket < 0 ? segment : segment[..bracket];
            property = current?.Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
                return null;
            current = current!.Options.GetTypeInfo(property.PropertyType);
            // Each [n] steps into an item, unless a converter reads the whole value (then the path ends at it).
            for (var i = bracket; i >= 0 && property.CustomConverter is null; i = segment.IndexOf('[', i + 1))
                current = current?.ElementType is { } item ? current.Options.GetTypeInfo(item) : null;
        }
        if (property?.CustomConverter is IDescribedConverter described)
            return described.Expected;
        return current is null ? null : Describe(current.Type);
    }

    private static string? Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
            return "a string";
        if (type == typeof(bool))
            return "true or false";
        if (type == typeof(int) || type == typeof(long))
            return "a whole number";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
            return "a number";
        if (type != typeof(string) && type.IsAssignableTo(typeof(System.Collections.IEnumerable)))
            return "an array";
        return type.IsClass ? "an object" : null;
    }
}
