using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace WebDemo.Inference.Onnx.ChatTemplates;

/// <summary>Methods on strings, lists and dicts (<c>.strip()</c>, <c>.items()</c>…) and the global functions.</summary>
internal static partial class JinjaBuiltins
{
    public static JinjaScope CreateGlobals(Func<DateTime> now)
    {
        var env = new JinjaScope(null);
        env.Set("false", BooleanValue.False);
        env.Set("true", BooleanValue.True);
        env.Set("none", NullValue.Instance);
        env.Set("False", BooleanValue.False);
        env.Set("True", BooleanValue.True);
        env.Set("None", NullValue.Instance);
        env.Set("namespace", new FunctionValue("namespace", (args, _) => Namespace(args)));
        env.Set("raise_exception", new FunctionValue("raise_exception", (args, _) =>
            throw new ChatTemplateException(args.Count > 0 ? args[0].ToJsString() : "undefined")));
        env.Set("range", new FunctionValue("range", (args, _) => Range(args)));
        env.Set("strftime_now", new FunctionValue("strftime_now", (args, _) =>
            new StringValue(Strftime(now(), args.Count > 0 ? args[0].ToJsString() : ""))));
        return env;
    }

    private static NamespaceValue Namespace(List<JinjaValue> args)
    {
        var positional = args.ToList();
        var entries = new OrderedDictionary<string, JinjaValue>(StringComparer.Ordinal);
        KeywordArgumentsValue? kwargs = null;
        if (positional.Count > 0 && positional[^1] is KeywordArgumentsValue kw)
        {
            kwargs = kw;
            positional.RemoveAt(positional.Count - 1);
        }
        if (positional.Count > 1)
            throw new ChatTemplateException($"namespace expected at most 1 argument, got {positional.Count}");
        if (positional.Count == 1)
        {
            if (positional[0] is not ObjectValue source)
                throw new ChatTemplateException($"namespace() of a {positional[0].TypeName} is not supported");
            foreach (var (key, value) in source.Entries)
                entries[key] = value;
        }
        if (kwargs is not null)
        {
            foreach (var (key, value) in kwargs.Entries)
                entries[key] = value;
        }
        return new NamespaceValue(entries);
    }

    private static ArrayValue Range(List<JinjaValue> args)
    {
        double Number(int i) => args[i] is NumberValue n ? n.Value : throw new ChatTemplateException("range() arguments must be numbers");
        double start = 0, stop, step = 1;
        if (args.Count == 1)
        {
            stop = Number(0);
        }
        else
        {
            start = Number(0);
            stop = Number(1);
            if (args.Count > 2)
                step = Number(2);
        }
        if (step == 0)
            throw new ChatTemplateException("range() step must not be zero");
        var result = new List<JinjaValue>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
            result.Add(new NumberValue(i, isFloat: i % 1 != 0));
        return new ArrayValue(result);
    }

    private static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    /// <summary>The strftime subset @huggingface/jinja supports: %Y %m %d %b %B %H %M %%.</summary>
    public static string Strftime(DateTime date, string format) => StrftimeToken().Replace(format, m => m.Value switch
    {
        "%Y" => date.Year.ToString(CultureInfo.InvariantCulture),
        "%m" => date.Month.ToString("00", CultureInfo.InvariantCulture),
        "%d" => date.Day.ToString("00", CultureInfo.InvariantCulture),
        "%b" => Months[date.Month - 1][..3],
        "%B" => Months[date.Month - 1],
        "%H" => date.Hour.ToString("00", CultureInfo.InvariantCulture),
        "%M" => date.Minute.ToString("00", CultureInfo.InvariantCulture),
        _ => "%",
    });

    [GeneratedRegex("%[YmdbBHM%]")]
    private static partial Regex StrftimeToken();

    // JavaScript's trim() removes whitespace and line terminators, as char.IsWhiteSpace does (plus U+FEFF).
    public static string JsTrim(string s) => s.Trim().Trim('\uFEFF');

    public static JinjaValue? StringMember(StringValue str, string name)
    {
        var s = str.Value;
        return name switch
        {
            "length" => new NumberValue(s.Length, isFloat: false),
            "upper" => Method(name, _ => new StringValue(s.ToUpperInvariant())),
            "lower" => Method(name, _ => new StringValue(s.ToLowerInvariant())),
            "strip" => Method(name, _ => new StringValue(JsTrim(s))),
            "rstrip" => Method(name, _ => new StringValue(s.TrimEnd().TrimEnd('\uFEFF'))),
            "lstrip" => Method(name, _ => new StringValue(s.TrimStart().TrimStart('\uFEFF'))),
            "title" => Method(name, _ => new StringValue(WordStart().Replace(s, m => m.Value.ToUpperInvariant()))),
            "capitalize" => Method(name, _ => new StringValue(s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..])),
            "startswith" => Method(name, args => AffixTest(s, args, "startswith", (x, p) => x.StartsWith(p, StringComparison.Ordinal))),
            "endswith" => Method(name, args => AffixTest(s, args, "endswith", (x, p) => x.EndsWith(p, StringComparison.Ordinal))),
            "split" => Method(name, args => Split(s, args)),
            "replace" => Method(name, args => Replace(str, args)),
            _ => null,
        };
    }

    // JavaScript's \b\w: an ASCII word character not preceded by one.
    [GeneratedRegex(@"\b[A-Za-z0-9_]", RegexOptions.ECMAScript)]
    private static partial Regex WordStart();

    public static JinjaValue? ArrayMember(ArrayValue array, string name) =>
        name == "length" ? new NumberValue(array.Items.Count, isFloat: false) : null;

    public static JinjaValue? ObjectMember(ObjectValue obj, string name) => name switch
    {
        "get" => Method(name, args =>
        {
            if (args.Count == 0 || args[0] is not StringValue key)
                throw new ChatTemplateException($"Object key must be a string: got {(args.Count == 0 ? "nothing" : args[0].TypeName)}");
            return obj.Entries.TryGetValue(key.Value, out var value) ? value : args.Count > 1 ? args[1] : NullValue.Instance;
        }),
        "items" => Method(name, _ => Items(obj)),
        "keys" => Method(name, _ => new ArrayValue(obj.Entries.Keys.Select(k => (JinjaValue)new StringValue(k)).ToList())),
        "values" => Method(name, _ => new ArrayValue(obj.Entries.Values.ToList())),
        "dictsort" => Method(name, args => DictSort(obj, args)),
        _ => null,
    };

    public static ArrayValue Items(ObjectValue obj) =>
        new(obj.Entries.Select(e => (JinjaValue)new ArrayValue([new StringValue(e.Key), e.Value])).ToList());

    private static FunctionValue Method(string name, Func<List<JinjaValue>, JinjaValue> body) => new(name, (args, _) => body(args));

    private static BooleanValue AffixTest(string s, List<JinjaValue> args, string name, Func<string, string, bool> test)
    {
        if (args.Count == 0)
            throw new ChatTemplateException($"{name}() requires at least one argument");
        return args[0] switch
        {
            StringValue p => BooleanValue.Of(test(s, p.Value)),
            ArrayValue list => BooleanValue.Of(list.Items.Any(x => x is StringValue p
                ? test(s, p.Value)
                : throw new ChatTemplateException($"{name}() tuple elements must be strings"))),
            _ => throw new ChatTemplateException($"{name}() argument must be a string or tuple of strings"),
        };
    }

    private static ArrayValue Split(string s, List<JinjaValue> args)
    {
        var sep = args.Count > 0 ? args[0] : NullValue.Instance;
        var maxSplit = args.Count > 1 ? args[1] : new NumberValue(-1, isFloat: false);
        if (maxSplit is not NumberValue { IsFloat: false } max)
            throw new ChatTemplateException("maxsplit argument must be a number");
        var limit = (int)max.Value;
        var result = new List<string>();
        if (sep is NullValue)
        {
            // Python's split(): runs of whitespace separate, no empty strings at the ends.
            var text = s.TrimStart();
            foreach (Match m in NonWhitespace().Matches(text))
            {
                if (limit != -1 && result.Count >= limit)
                {
                    result.Add(text[m.Index..]);
                    break;
                }
                result.Add(m.Value);
            }
        }
        else if (sep is StringValue separator)
        {
            if (separator.Value.Length == 0)
                throw new ChatTemplateException("empty separator");
            result = [.. s.Split(separator.Value)];
            if (limit != -1 && result.Count > limit)
            {
                var rest = string.Join(separator.Value, result.Skip(limit));
                result = [.. result.Take(limit), rest];
            }
        }
        else
        {
            throw new ChatTemplateException("sep argument must be a string or null");
        }
        return new ArrayValue(result.Select(x => (JinjaValue)new StringValue(x)).ToList());
    }

    [GeneratedRegex(@"\S+")]
    private static partial Regex NonWhitespace();

    public static StringValue Replace(StringValue str, List<JinjaValue> args)
    {
        if (args.Count < 2)
            throw new ChatTemplateException("replace() requires at least two arguments");
        if (args[0] is not StringValue oldValue || args[1] is not StringValue newValue)
            throw new ChatTemplateException("replace() arguments must be strings");
        var count = args.Count > 2
            ? args[2] is KeywordArgumentsValue kw ? kw.Entries.GetValueOrDefault("count") ?? NullValue.Instance : args[2]
            : NullValue.Instance;
        if (count is not (NumberValue or NullValue))
            throw new ChatTemplateException("replace() count argument must be a number or null");
        var remaining = count is NumberValue n && n.Value >= 0 ? (int)n.Value : int.MaxValue;
        if (remaining == 0)
            return str;
        var s = str.Value;
        var sb = new StringBuilder();
        if (oldValue.Value.Length == 0)
        {
            // An empty pattern matches between code points (the regex (?=) with the u flag).
            for (var i = 0; i <= s.Length; i += i < s.Length && char.IsSurrogatePair(s, i) ? 2 : 1)
            {
                if (remaining-- > 0)
                    sb.Append(newValue.Value);
                if (i < s.Length)
                    sb.Append(s, i, char.IsSurrogatePair(s, i) ? 2 : 1);
            }
            return new StringValue(sb.ToString());
        }
        var position = 0;
        while (remaining > 0)
        {
            var found = s.IndexOf(oldValue.Value, position, StringComparison.Ordinal);
            if (found < 0)
                break;
            sb.Append(s, position, found - position).Append(newValue.Value);
            position = found + oldValue.Value.Length;
            remaining--;
        }
        sb.Append(s, position, s.Length - position);
        return new StringValue(sb.ToString());
    }

    private static ArrayValue DictSort(ObjectValue obj, List<JinjaValue> args)
    {
        var kwargs = args.OfType<KeywordArgumentsValue>().LastOrDefault()?.Entries;
        var positional = args.Where(a => a is not KeywordArgumentsValue).ToList();
        JinjaValue? Arg(int i, string key) => i < positional.Count ? positional[i] : kwargs?.GetValueOrDefault(key);
        var caseSensitive = Arg(0, "case_sensitive") ?? BooleanValue.False;
        var by = Arg(1, "by") ?? new StringValue("key");
        var reverse = Arg(2, "reverse") ?? BooleanValue.False;
        if (caseSensitive is not BooleanValue sensitive || reverse is not BooleanValue descending)
            throw new ChatTemplateException("case_sensitive and reverse must be booleans");
        if (by is not StringValue { Value: "key" or "value" } byValue)
            throw new ChatTemplateException("by must be either 'key' or 'value'");
        var index = byValue.Value == "key" ? 0 : 1;
        var items = Items(obj).Items.Cast<ArrayValue>().ToList();
        items.Sort((a, b) =>
        {
            var result = Compare(a.Items[index], b.Items[index], sensitive.Value);
            return descending.Value ? -result : result;
        });
        return new ArrayValue([.. items]);
    }

    /// <summary>Dotted attribute paths for sort(attribute=...) and map(attribute=...): keys and list indices.</summary>
    public static JinjaValue GetAttribute(JinjaValue item, string path)
    {
        var value = item;
        foreach (var part in path.Split('.'))
        {
            value = value switch
            {
                ObjectValue o => o.Entries.GetValueOrDefault(part) ?? UndefinedValue.Instance,
                NamespaceValue ns => ns.Entries.GetValueOrDefault(part) ?? UndefinedValue.Instance,
                ArrayValue a when int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Items.Count => a.Items[i],
                _ => UndefinedValue.Instance,
            };
            if (value is UndefinedValue)
                break;
        }
        return value;
    }

    /// <summary>Ordering for sort and dictsort: numbers (and booleans) with numbers, strings with strings.</summary>
    public static int Compare(JinjaValue a, JinjaValue b, bool caseSensitive)
    {
        if (a is NullValue && b is NullValue || a is UndefinedValue && b is UndefinedValue)
            return 0;
        if (a is NullValue or UndefinedValue || b is NullValue or UndefinedValue)
            throw new ChatTemplateException($"Cannot compare {a.TypeName} with {b.TypeName}");
        if (a is NumberValue or BooleanValue && b is NumberValue or BooleanValue)
        {
            var x = a is NumberValue na ? na.Value : ((BooleanValue)a).Value ? 1 : 0;
            var y = b is NumberValue nb ? nb.Value : ((BooleanValue)b).Value ? 1 : 0;
            return x.CompareTo(y);
        }
        if (a is StringValue sa && b is StringValue sb)
        {
            var x = caseSensitive ? sa.Value : sa.Value.ToLowerInvariant();
            var y = caseSensitive ? sb.Value : sb.Value.ToLowerInvariant();
            return Math.Sign(string.CompareOrdinal(x, y));
        }
        throw new ChatTemplateException($"Cannot compare {a.TypeName} with {b.TypeName}");
    }
}
