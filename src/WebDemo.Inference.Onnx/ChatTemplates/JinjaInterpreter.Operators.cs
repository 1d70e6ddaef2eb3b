using System.Globalization;

namespace WebDemo.Inference.Onnx.ChatTemplates;

internal sealed partial class JinjaInterpreter
{
    private JinjaValue EvaluateBinary(BinaryNode node, JinjaScope env)
    {
        var left = Evaluate(node.Left, env);
        switch (node.Operator)
        {
            case "and":
                return left.IsTruthy ? Evaluate(node.Right, env) : left;
            case "or":
                return left.IsTruthy ? left : Evaluate(node.Right, env);
        }
        var right = Evaluate(node.Right, env);
        var op = node.Operator;
        switch (op)
        {
            case "==":
                return BooleanValue.Of(LooseEquals(left, right));
            case "!=":
                return BooleanValue.Of(!LooseEquals(left, right));
        }

        if (left is UndefinedValue || right is UndefinedValue)
        {
            // `x in undefined` is false and `x not in undefined` is true; anything else on undefined is an error.
            if (right is UndefinedValue && op is "in" or "not in")
                return BooleanValue.Of(op == "not in");
            throw new ChatTemplateException($"Cannot perform operation {op} on undefined values", node.Line);
        }
        if (left is NullValue || right is NullValue)
            throw new ChatTemplateException($"Cannot perform operation {op} on null values", node.Line);
        if (op == "~")
            return new StringValue(left.ToJsString() + right.ToJsString());

        if (op == "**" && Numeric(left) is { } pa && Numeric(right) is { } pb)
        {
            if (pa == 0 && pb < 0)
                throw new ChatTemplateException("0.0 cannot be raised to a negative power", node.Line);
            var power = Math.Pow(pa, pb);
            if (!double.IsFinite(power))
                throw new ChatTemplateException("Exponentiation result is not a finite real number", node.Line);
            return new NumberValue(power, IsFloat(left) || IsFloat(right) || pb < 0);
        }
        if (left is NumberValue a && right is NumberValue b)
        {
            var isFloat = a.IsFloat || b.IsFloat;
            switch (op)
            {
                case "+": return new NumberValue(a.Value + b.Value, isFloat);
                case "-": return new NumberValue(a.Value - b.Value, isFloat);
                case "*": return new NumberValue(a.Value * b.Value, isFloat);
                case "/": return new NumberValue(a.Value / b.Value, isFloat: true);
                case "//": return new NumberValue(Math.Floor(a.Value / b.Value), isFloat);
                case "%": return new NumberValue(a.Value % b.Value, isFloat);
                case "<": return BooleanValue.Of(a.Value < b.Value);
                case ">": return BooleanValue.Of(a.Value > b.Value);
                case ">=": return BooleanValue.Of(a.Value >= b.Value);
                case "<=": return BooleanValue.Of(a.Value <= b.Value);
            }
        }
        else if (left is ArrayValue la && right is ArrayValue ra)
        {
            if (op == "+")
                return new ArrayValue([.. la.Items, .. ra.Items]);
        }
        else if (right is ArrayValue list)
        {
            var member = list.Items.Any(x => StrictValueEquals(x, left));
            switch (op)
            {
                case "in": return BooleanValue.Of(member);
                case "not in": return BooleanValue.Of(!member);
            }
        }

        if ((left is StringValue || right is StringValue) && op == "+")
            return new StringValue(left.ToJsString() + right.ToJsString());
        if (left is StringValue ls && right is StringValue rs)
        {
            switch (op)
            {
                case "in": return BooleanValue.Of(rs.Value.Contains(ls.Value, StringComparison.Ordinal));
                case "not in": return BooleanValue.Of(!rs.Value.Contains(ls.Value, StringComparison.Ordinal));
            }
        }
        if (left is StringValue key && right is ObjectValue obj)
        {
            switch (op)
            {
                case "in": return BooleanValue.Of(obj.Entries.ContainsKey(key.Value));
                case "not in": return BooleanValue.Of(!obj.Entries.ContainsKey(key.Value));
            }
        }
        throw new ChatTemplateException($"Unknown operator \"{op}\" between {left.TypeName} and {right.TypeName}", node.Line);
    }

    private static double? Numeric(JinjaValue value) => value switch
    {
        NumberValue n => n.Value,
        BooleanValue b => b.Value ? 1 : 0,
        _ => null,
    };

    private static bool IsFloat(JinjaValue value) => value is NumberValue { IsFloat: true };

    /// <summary>JavaScript's === on the wrapped values (what Array.find(x => x.value === v) does for `in`).</summary>
    internal static bool StrictValueEquals(JinjaValue x, JinjaValue y) => (x, y) switch
    {
        (NumberValue a, NumberValue b) => a.Value == b.Value,
        (StringValue a, StringValue b) => a.Value == b.Value,
        (BooleanValue a, BooleanValue b) => a.Value == b.Value,
        (NullValue, NullValue) or (UndefinedValue, UndefinedValue) => true,
        (ArrayValue a, ArrayValue b) => ReferenceEquals(a.Items, b.Items),
        (ObjectValue a, ObjectValue b) => ReferenceEquals(a.Entries, b.Entries),
        (NamespaceValue a, NamespaceValue b) => ReferenceEquals(a.Entries, b.Entries),
        _ => ReferenceEquals(x, y),
    };

    /// <summary>JavaScript's == on the wrapped values, which @huggingface/jinja uses for == and !=.</summary>
    internal static bool LooseEquals(JinjaValue x, JinjaValue y)
    {
        if (x is NullValue or UndefinedValue || y is NullValue or UndefinedValue)
            return x is NullValue or UndefinedValue && y is NullValue or UndefinedValue;
        if (x is NumberValue or StringValue or BooleanValue && y is NumberValue or StringValue or BooleanValue)
        {
            if (x is StringValue sx && y is StringValue sy)
                return sx.Value == sy.Value;
            return ToNumber(x) == ToNumber(y);
        }
        return StrictValueEquals(x, y);
    }

    private static double ToNumber(JinjaValue value) => value switch
    {
        NumberValue n => n.Value,
        BooleanValue b => b.Value ? 1 : 0,
        StringValue s => s.Value.Trim().Length == 0 ? 0
            : double.TryParse(s.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN,
        _ => double.NaN,
    };
}
