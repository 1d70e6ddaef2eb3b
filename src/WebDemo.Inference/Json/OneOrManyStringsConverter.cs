using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebDemo.Inference.Json;

/// <summary>A converter that can say, in words, what JSON it expects ("a string or an array of strings").</summary>
public interface IDescribedConverter
{
    string Expected { get; }
}

/// <summary>A converter's own words for what is wrong with a value ("has a part of type 'audio'..."); the API puts the field's path before them.</summary>
public sealed class WireValueException(string message) : JsonException(message);

/// <summary>
/// "One or many" strings, as Hugging Face task bodies send <c>inputs</c> and OpenAI sends
/// <c>stop</c>: a string or an array of strings. One item is written back as a plain string.
/// </summary>
public sealed class OneOrManyStringsConverter : JsonConverter<IReadOnlyList<string>>, IDescribedConverter
{
    public string Expected => "a string or an array of strings";

    public override IReadOnlyList<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return [Text(ref reader)];
            case JsonTokenType.StartArray:
                var items = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                        throw Wrong();
                    items.Add(Text(ref reader));
                }
                return items;
            default:
                throw Wrong();
        }
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        if (value.Count == 1)
        {
            writer.WriteStringValue(value[0]);
            return;
        }
        writer.WriteStartArray();
        foreach (var item in value)
            writer.WriteStringValue(item);
        writer.WriteEndArray();
    }

    // No message: the reader adds the JSON path, and the API words it with Expected.
    private static JsonException Wrong() => new();

    /// <summary>The string, or a JsonException carrying the reader's words when it is not Unicode (a lone surrogate).</summary>
    internal static string Text(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException(null, ex);
        }
    }
}
