using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WebDemo.Inference.Onnx.ChatTemplates;

// Runtime values with @huggingface/jinja's semantics (which are JavaScript's where it leans on them:
// numbers are doubles, == is loose, true prints as "true").

internal abstract class JinjaValue
{
    public virtual bool IsTruthy => true;

    /// <summary>The value as a template output prints it.</summary>
    public abstract override string ToString();

    /// <summary>JavaScript's String(value.value), which ~ and string + use.</summary>
    public virtual string ToJsString() => ToString();

    public abstract string TypeName { get; }
}

internal sealed class UndefinedValue : JinjaValue
{
    public static readonly UndefinedValue Instance = new();
    public override bool IsTruthy => false;
    public override string ToString() => "undefined";
    public override string TypeName => "UndefinedValue";
}

internal sealed class NullValue : JinjaValue
{
    public static readonly NullValue Instance = new();
    public override bool IsTruthy => false;
    public override string ToString() => "null";
    public override string TypeName => "NullValue";
}

internal sealed class BooleanValue(bool value) : JinjaValue
{
    public static readonly BooleanValue True = new(true);
    public static readonly BooleanValue False = new(false);
    public static BooleanValue Of(bool value) => value ? True : False;
    public bool Value { get; } = value;
    public override bool IsTruthy => Value;
    public override string ToString() => Value ? "true" : "false";
    public override string TypeName => "BooleanValue";
}

/// <summary>An integer or a float; both hold a double, as JavaScript numbers do.</summary>
internal sealed class NumberValue(double value, bool isFloat) : JinjaValue
{
    public double Value { get; } = value;
    public bool IsFloat { get; } = isFloat;
    public override bool IsTruthy => Value != 0 && !double.IsNaN(Value);
    public override string ToString() =>
        IsFloat && Value % 1 == 0 && !double.IsInfinity(Value)
            ? (BitConverter.DoubleToInt64Bits(Value) == BitConverter.DoubleToInt64Bits(-0.0) ? "-0.0" : FormatNumber(Value) + ".0")
            : FormatNumber(Value);
    public override string ToJsString() => FormatNumber(Value);
    public override string TypeName => IsFloat ? "FloatValue" : "IntegerValue";

    /// <summary>JavaScript's Number.prototype.toString for the common cases.</summary>
    public static string FormatNumber(double value)
    {
        if (double.IsNaN(value))
            return "NaN";
        if (double.IsInfinity(value))
            return value > 0 ? "Infinity" : "-Infinity";
        if (value == 0)
            return "0";
        if (value % 1 == 0 && Math.Abs(value) < 1e21)
            return value.ToString("F0", CultureInfo.InvariantCulture);
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        // .NET writes 1E-07 where JavaScript writes 1e-7.
        if (text.Contains('E', StringComparison.Ordinal))
        {
            var parts = text.Split('E');
            var exponent = int.Parse(parts[1], CultureInfo.InvariantCulture);
            text = parts[0] + "e" + (exponent >= 0 ? "+" : "-") + Math.Abs(exponent).ToString(CultureInfo.InvariantCulture);
        }
        return text;
    }
}

internal sealed class StringValue(string value) : JinjaValue
{
    public static readonly StringValue Empty = new("");
    public string Value { get; } = value;
    public override bool IsTruthy => Value.Length > 0;
    public override string ToString() => Value;
    public override string TypeName => "StringValue";
}

internal class ArrayValue(List<JinjaValue> items) : JinjaValue
{
    public List<JinjaValue> Items { get; } = items;
    public override bool IsTruthy => Items.Count > 0;
    public override string ToString() => JinjaJson.Serialize(this, new JsonOptions(), 0, undefinedAsNull: false);
    // JavaScript's Array.prototype.toString: the elements' own strings joined by commas.
    public override string ToJsString() => string.Join(",", Items.Select(x => x.ToString()));
    public override string TypeName => "ArrayValue";
}

internal sealed class TupleValue(List<JinjaValue> items) : ArrayValue(items)
{
    public override string TypeName => "TupleValue";
}

/// <summary>A dict (insertion-ordered, as JavaScript's Map); also the base of namespaces and keyword arguments.</summary>
internal class ObjectValue(OrderedDictionary<string, JinjaValue> entries) : JinjaValue
{
    public ObjectValue() : this(new OrderedDictionary<string, JinjaValue>(StringComparer.Ordinal)) { }
    public OrderedDictionary<string, JinjaValue> Entries { get; } = entries;
    public override bool IsTruthy => Entries.Count > 0;
    public override string ToString() => JinjaJson.Serialize(this, new JsonOptions(), 0, undefinedAsNull: false);
    public override string ToJsString() => "[object Map]";
    public override string TypeName => "ObjectValue";
}

/// <summary>The keyword arguments of a call, passed to a function as its last argument.</summary>
internal sealed class KeywordArgumentsValue(OrderedDictionary<string, JinjaValue> entries) : ObjectValue(entries)
{
    public override string TypeName => "KeywordArgumentsValue";
}

/// <summary>namespace(...): attribute assignment allowed, but neither a mapping nor dict methods.</summary>
internal sealed class NamespaceValue(OrderedDictionary<string, JinjaValue> entries) : JinjaValue
{
    public OrderedDictionary<string, JinjaValue> Entries { get; } = entries;
    // Like any JavaScript object: always truthy.
    public override string ToString() => JinjaJson.Serialize(this, new JsonOptions(), 0, undefinedAsNull: false);
    public override string ToJsString() => "[object Map]";
    public override string TypeName => "NamespaceValue";
}

internal sealed class FunctionValue(string name, Func<List<JinjaValue>, JinjaScope, JinjaValue> invoke) : JinjaValue
{
    public string Name { get; } = name;
    public Func<List<JinjaValue>, JinjaScope, JinjaValue> Invoke { get; } = invoke;
    public override string ToString() => $"function {Name}";
    public override string TypeName => "FunctionValue";
}

internal sealed record JsonOptions(int? Indent = null, bool EnsureAscii = false, (string Item, string Key)? Separators = null, bool SortKeys = false);

/// <summary>tojson as @huggingface/jinja writes it (Python json.dumps' separators and indentation).</summary>
internal static class JinjaJson
{
    public static string Serialize(JinjaValue value, JsonOptions options, int depth, bool undefinedAsNull)
    {
        var (itemSeparator, keySeparator) = options.Separators ?? (options.Indent is > 0 ? (",", ": ") : (", ", ": "));
        switch (value)
        {
            case NullValue:
                return "null";
            case UndefinedValue:
                return undefinedAsNull ? "null" : "undefined";
            case NumberValue n:
                return NumberValue.FormatNumber(n.Value) is var s && (s is "NaN" or "Infinity" or "-Infinity") ? "null" : s;
            case BooleanValue b:
                return b.Value ? "true" : "false";
            case StringValue str:
                return Quote(str.Value, options.EnsureAscii);
            case ArrayValue or ObjectValue or NamespaceValue:
                var indent = options.Indent is > 0 ? new string(' ', options.Indent.Value) : "";
                var basePadding = "\n" + string.Concat(Enumerable.Repeat(indent, depth));
                var childPadding = basePadding + indent;
                var indented = options.Indent is > 0;
                if (value is ArrayValue array)
                {
                    var core = array.Items.Select(x => Serialize(x, options, depth + 1, undefinedAsNull)).ToList();
                    return indented && core.Count > 0
                        ? "[" + childPadding + string.Join(itemSeparator + childPadding, core) + basePadding + "]"
                        : "[" + string.Join(itemSeparator, core) + "]";
                }
                IEnumerable<KeyValuePair<string, JinjaValue>> entries = value is ObjectValue o ? o.Entries : ((NamespaceValue)value).Entries;
                if (options.SortKeys)
                    entries = entries.OrderBy(e => e.Key, StringComparer.InvariantCulture);
                var parts = entries.Select(e =>
                {
                    var v = Quote(e.Key, options.EnsureAscii) + keySeparator + Serialize(e.Value, options, depth + 1, undefinedAsNull);
                    return indented ? childPadding + v : v;
                }).ToList();
                return indented && parts.Count > 0
                    ? "{" + string.Join(itemSeparator, parts) + basePadding + "}"
                    : "{" + string.Join(itemSeparator, parts) + "}";
            default:
                throw new ChatTemplateException($"Cannot convert to JSON: {value.TypeName}");
        }
    }

    /// <summary>JSON.stringify of a string: only quotes, backslashes and control characters are escaped.</summary>
    private static string Quote(string value, bool ensureAscii)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c >= 0x7f))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>Converts .NET input (strings, numbers, dictionaries, lists, JSON) into template values.</summary>
    public static JinjaValue FromObject(object? input) => input switch
    {
        null => NullValue.Instance,
        JinjaValue v => v,
        string s => new StringValue(s),
        bool b => BooleanValue.Of(b),
        int or long or short or byte or uint or ulong or ushort or sbyte => new NumberValue(Convert.ToDouble(input, CultureInfo.InvariantCulture), isFloat: false),
        // JavaScript has one number type: a whole double is an integer to the template (Number.isInteger).
        double or float or decimal => Number(Convert.ToDouble(input, CultureInfo.InvariantCulture)),
        JsonElement element => FromJson(element),
        ChatTemplateMessage message => message.ToTemplateValue(),
        IDictionary<string, object?> dict => FromPairs(dict),
        IReadOnlyDictionary<string, object?> dict => FromPairs(dict),
        IDictionary<string, string> dict => FromPairs(dict.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value))),
        Delegate => throw new ChatTemplateException("Functions cannot be passed to a template"),
        IEnumerable list => new ArrayValue(list.Cast<object?>().Select(FromObject).ToList()),
        _ => throw new ChatTemplateException($"Cannot pass a {input.GetType().Name} to a template"),
    };

    private static NumberValue Number(double value) => new(value, isFloat: value % 1 != 0);

    private static ObjectValue FromPairs(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var result = new ObjectValue();
        foreach (var (key, value) in pairs)
            result.Entries[key] = FromObject(value);
        return result;
    }

    public static JinjaValue FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return new StringValue(element.GetString()!);
            case JsonValueKind.Number:
                return Number(element.GetDouble());
            case JsonValueKind.True:
                return BooleanValue.True;
            case JsonValueKind.False:
                return BooleanValue.False;
            case JsonValueKind.Array:
                return new ArrayValue(element.EnumerateArray().Select(FromJson).ToList());
            case JsonValueKind.Object:
                var result = new ObjectValue();
                foreach (var property in element.EnumerateObject())
                    result.Entries[property.Name] = FromJson(property.Value);
                return result;
            default:
                return NullValue.Instance;
        }
    }
}
