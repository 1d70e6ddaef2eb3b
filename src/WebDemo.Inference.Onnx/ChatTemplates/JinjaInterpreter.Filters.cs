using System.Globalization;

namespace WebDemo.Inference.Onnx.ChatTemplates;

// Filters and tests: the set @huggingface/jinja 0.5.11 implements, with its type rules (a filter it does not
// have for a type is an error here too, so a template behaves the same in both).
internal sealed partial class JinjaInterpreter
{
    private JinjaValue ApplyFilter(JinjaValue operand, Node filterNode, JinjaScope env)
    {
        if (filterNode is IdentifierNode filter)
            return ApplyPlainFilter(operand, filter.Name, filter.Line, env);
        var call = (CallNode)filterNode;
        var name = ((IdentifierNode)call.Callee).Name;
        var line = call.Line;
        ChatTemplateException Unknown() => new($"Unknown filter '{name}' for {operand.TypeName}", line);
        var (args, kwargs) = EvaluateArguments(call.Arguments, env);
        JinjaValue? Arg(int i, string key) => i < args.Count ? args[i] : kwargs.GetValueOrDefault(key);

        switch (name)
        {
            case "tojson":
                var indent = kwargs.GetValueOrDefault("indent") ?? NullValue.Instance;
                if (indent is not (NumberValue or NullValue))
                    throw new ChatTemplateException("If set, indent must be a number", line);
                (string, string)? separators = null;
                if (kwargs.GetValueOrDefault("separators") is ArrayValue { Items: [StringValue item, StringValue key] })
                    separators = (item.Value, key.Value);
                return new StringValue(JinjaJson.Serialize(operand, new JsonOptions(
                    indent is NumberValue n ? (int)n.Value : null,
                    kwargs.GetValueOrDefault("ensure_ascii") is BooleanValue { Value: true },
                    separators,
                    kwargs.GetValueOrDefault("sort_keys") is BooleanValue { Value: true }), 0, undefinedAsNull: true));
            case "join":
                var parts = operand switch
                {
                    StringValue s => s.Value.Select(c => c.ToString()).ToList(),
                    ArrayValue a => a.Items.Select(x => x.ToJsString()).ToList(),
                    _ => throw Unknown(),
                };
                if ((Arg(0, "separator") ?? StringValue.Empty) is not StringValue separator)
                    throw new ChatTemplateException("separator must be a string", line);
                return new StringValue(string.Join(separator.Value, parts));
            case "int" or "float":
                var fallback = Arg(0, "default") ?? new NumberValue(0, name == "float");
                return operand switch
                {
                    StringValue s => ParseNumber(s.Value, name == "int") is { } v ? new NumberValue(v, name == "float") : fallback,
                    NumberValue => operand,
                    BooleanValue b => new NumberValue(b.Value ? 1 : 0, name == "float"),
                    _ => throw Unknown(),
                };
            case "default":
                var defaultValue = args.Count > 0 ? args[0] : StringValue.Empty;
                var boolean = Arg(1, "boolean") is BooleanValue { Value: true };
                return operand is UndefinedValue || (boolean && !operand.IsTruthy) ? defaultValue : operand;
        }

        switch (operand)
        {
            case ArrayValue array:
                return name switch
                {
                    "sort" => SortFilter(array, Arg(0, "reverse"), Arg(1, "case_sensitive"), Arg(2, "attribute"), line),
                    "selectattr" or "rejectattr" => SelectAttr(array, name == "selectattr", call, env),
                    "map" => MapFilter(array, kwargs, line),
                    _ => throw Unknown(),
                };
            case StringValue str:
                switch (name)
                {
                    case "indent":
                        if ((Arg(0, "width") ?? Integer(4)) is not NumberValue width)
                            throw new ChatTemplateException("width must be a number", line);
                        return Indent(str.Value, (int)width.Value, Arg(1, "first")?.IsTruthy ?? false, Arg(2, "blank")?.IsTruthy ?? false);
                    case "replace":
                        var replaceArgs = args.ToList();
                        replaceArgs.Add(new KeywordArgumentsValue(kwargs));
                        return JinjaBuiltins.Replace(str, replaceArgs);
                    default:
                        throw Unknown();
                }
            case ObjectValue obj:
                if (kwargs.Count > 0)
                    args.Add(new KeywordArgumentsValue(kwargs));
                return JinjaBuiltins.ObjectMember(obj, name) is FunctionValue fn ? fn.Invoke(args, env) : throw Unknown();
            default:
                throw new ChatTemplateException($"Cannot apply filter '{name}' to type: {operand.TypeName}", line);
        }
    }

    private static JinjaValue ApplyPlainFilter(JinjaValue operand, string name, int line, JinjaScope env)
    {
        ChatTemplateException Unknown() => new($"Unknown filter '{name}' for {operand.TypeName}", line);
        if (name == "safe")
            return operand;
        if (name == "tojson")
            return new StringValue(JinjaJson.Serialize(operand, new JsonOptions(), 0, undefinedAsNull: true));
        switch (operand)
        {
            case ArrayValue array:
                return name switch
                {
                    "list" => operand,
                    "first" => array.Items.Count > 0 ? array.Items[0] : UndefinedValue.Instance,
                    "last" => array.Items.Count > 0 ? array.Items[^1] : UndefinedValue.Instance,
                    "length" => Integer(array.Items.Count),
                    "reverse" => new ArrayValue(Enumerable.Reverse(array.Items).ToList()),
                    "sort" => SortFilter(array, null, null, null, line),
                    "join" => new StringValue(string.Concat(array.Items.Select(x => x.ToJsString()))),
                    "string" => new StringValue(JinjaJson.Serialize(operand, new JsonOptions(), 0, undefinedAsNull: false)),
                    "unique" => new ArrayValue(Unique(array.Items)),
                    _ => throw Unknown(),
                };
            case StringValue str:
                return name switch
                {
                    "length" => Integer(str.Value.Length),
                    "upper" or "lower" or "title" or "capitalize" => ((FunctionValue)JinjaBuiltins.StringMember(str, name)!).Invoke([], env),
                    "trim" => new StringValue(JinjaBuiltins.JsTrim(str.Value)),
                    "indent" => Indent(str.Value, 4, first: false, blank: false),
                    "join" or "string" => operand,
                    "int" => ParseNumber(str.Value, integer: true) is { } i ? Integer(i) : Integer(0),
                    "float" => new NumberValue(ParseNumber(str.Value, integer: false) ?? 0, isFloat: true),
                    _ => throw Unknown(),
                };
            case NumberValue number:
                return name switch
                {
                    "abs" => new NumberValue(Math.Abs(number.Value), number.IsFloat),
                    "int" => Integer(Math.Floor(number.Value)),
                    "float" => new NumberValue(number.Value, isFloat: true),
                    "string" => new StringValue(number.ToString()),
                    _ => throw Unknown(),
                };
            case ObjectValue obj:
                return name switch
                {
                    "items" => JinjaBuiltins.Items(obj),
                    "length" => Integer(obj.Entries.Count),
                    _ => JinjaBuiltins.ObjectMember(obj, name) switch
                    {
                        FunctionValue fn => fn.Invoke([], env),
                        { } value => value,
                        null => throw Unknown(),
                    },
                };
            case BooleanValue boolean:
                return name switch
                {
                    "bool" => operand,
                    "int" => Integer(boolean.Value ? 1 : 0),
                    "float" => new NumberValue(boolean.Value ? 1 : 0, isFloat: true),
                    "string" => new StringValue(boolean.Value ? "true" : "false"),
                    _ => throw Unknown(),
                };
            default:
                throw new ChatTemplateException($"Cannot apply filter '{name}' to type: {operand.TypeName}", line);
        }
    }

    /// <summary>parseInt/parseFloat: the longest numeric prefix after leading whitespace, or null.</summary>
    private static double? ParseNumber(string text, bool integer)
    {
        var s = JinjaBuiltins.JsTrim(text);
        var end = 0;
        if (end < s.Length && s[end] is '+' or '-')
            end++;
        var digitsStart = end;
        while (end < s.Length && char.IsAsciiDigit(s[end]))
            end++;
        if (!integer)
        {
            if (end < s.Length && s[end] == '.')
            {
                end++;
                while (end < s.Length && char.IsAsciiDigit(s[end]))
                    end++;
            }
            if (end - digitsStart > 0 && end < s.Length && s[end] is 'e' or 'E')
            {
                var exponentEnd = end + 1;
                if (exponentEnd < s.Length && s[exponentEnd] is '+' or '-')
                    exponentEnd++;
                var exponentDigits = exponentEnd;
                while (exponentEnd < s.Length && char.IsAsciiDigit(s[exponentEnd]))
                    exponentEnd++;
                if (exponentEnd > exponentDigits)
                    end = exponentEnd;
            }
        }
        var candidate = s[..end];
        return double.TryParse(candidate, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static StringValue Indent(string text, int width, bool first, bool blank)
    {
        var pad = new string(' ', width);
        var lines = text.Split('\n').Select((x, i) => (!first && i == 0) || (!blank && x.Length == 0) ? x : pad + x);
        return new StringValue(string.Join("\n", lines));
    }

    private static List<JinjaValue> Unique(List<JinjaValue> items)
    {
        var result = new List<JinjaValue>();
        foreach (var item in items)
        {
            if (!result.Any(seen => StrictValueEquals(seen, item)))
                result.Add(item);
        }
        return result;
    }

    private static ArrayValue SortFilter(ArrayValue array, JinjaValue? reverse, JinjaValue? caseSensitive, JinjaValue? attribute, int line)
    {
        var descending = reverse is BooleanValue { Value: true };
        var sensitive = caseSensitive is BooleanValue { Value: true };
        JinjaValue Key(JinjaValue item) => attribute switch
        {
            null or NullValue => item,
            StringValue path => JinjaBuiltins.GetAttribute(item, path.Value),
            NumberValue index => JinjaBuiltins.GetAttribute(item, index.ToString()),
            _ => throw new ChatTemplateException("attribute must be a string, integer, or null", line),
        };
        var sorted = array.Items.ToList();
        sorted.Sort((a, b) =>
        {
            var result = JinjaBuiltins.Compare(Key(a), Key(b), sensitive);
            return descending ? -result : result;
        });
        return new ArrayValue(sorted);
    }

    private ArrayValue SelectAttr(ArrayValue array, bool select, CallNode call, JinjaScope env)
    {
        var name = select ? "selectattr" : "rejectattr";
        if (array.Items.Any(x => x is not (ObjectValue or NamespaceValue)))
            throw new ChatTemplateException($"`{name}` can only be applied to array of objects", call.Line);
        if (call.Arguments.Any(x => x is not StringLiteralNode))
            throw new ChatTemplateException($"arguments of `{name}` must be strings", call.Line);
        var args = call.Arguments.Select(x => Evaluate(x, env)).ToList();
        var attribute = ((StringValue)args[0]).Value;
        var testName = args.Count > 1 ? ((StringValue)args[1]).Value : null;
        var testArgs = args.Skip(2).ToList();
        var result = array.Items.Where(item =>
        {
            var entries = item is ObjectValue o ? o.Entries : ((NamespaceValue)item).Entries;
            var passes = entries.TryGetValue(attribute, out var value)
                && (testName is null ? value.IsTruthy : RunTest(new IdentifierNode(testName, call.Line), value, testArgs));
            return passes == select;
        });
        return new ArrayValue(result.ToList());
    }

    private static ArrayValue MapFilter(ArrayValue array, OrderedDictionary<string, JinjaValue> kwargs, int line)
    {
        if (!kwargs.TryGetValue("attribute", out var attribute))
            throw new ChatTemplateException("`map` without `attribute` is not supported", line);
        if (attribute is not StringValue path)
            throw new ChatTemplateException("attribute must be a string", line);
        var fallback = kwargs.GetValueOrDefault("default");
        return new ArrayValue(array.Items.Select(item =>
        {
            if (item is not (ObjectValue or NamespaceValue))
                throw new ChatTemplateException("items in map must be an object", line);
            var value = JinjaBuiltins.GetAttribute(item, path.Value);
            return value is UndefinedValue ? fallback ?? UndefinedValue.Instance : value;
        }).ToList());
    }

    /// <summary>`x is name`: the tests @huggingface/jinja knows.</summary>
    private static bool RunTest(IdentifierNode test, JinjaValue operand, List<JinjaValue> args)
    {
        switch (test.Name)
        {
            case "boolean": return operand is BooleanValue;
            case "callable": return operand is FunctionValue;
            case "odd" or "even":
                if (operand is not NumberValue { IsFloat: false } n)
                    throw new ChatTemplateException($"cannot {test.Name} on {operand.TypeName}", test.Line);
                return (n.Value % 2 != 0) == (test.Name == "odd");
            case "false": return operand is BooleanValue { Value: false };
            case "true": return operand is BooleanValue { Value: true };
            case "none": return operand is NullValue;
            case "string": return operand is StringValue;
            case "number": return operand is NumberValue;
            case "integer": return operand is NumberValue { IsFloat: false };
            case "iterable": return operand.TypeName is "ArrayValue" or "StringValue";
            case "mapping": return operand is ObjectValue;
            case "sequence": return operand is ArrayValue or ObjectValue or StringValue;
            case "lower": return operand is StringValue s && string.Equals(s.Value, s.Value.ToLowerInvariant(), StringComparison.Ordinal);
            case "upper": return operand is StringValue u && string.Equals(u.Value, u.Value.ToUpperInvariant(), StringComparison.Ordinal);
            case "defined": return operand is not UndefinedValue;
            case "undefined": return operand is UndefinedValue;
            case "equalto" or "eq":
                var other = args.Count > 0 ? args[0] : UndefinedValue.Instance;
                return StrictValueEquals(operand, other);
            default:
                throw new ChatTemplateException($"Unknown test '{test.Name}'", test.Line);
        }
    }
}
