using System.Text;

namespace WebDemo.Inference.Onnx.ChatTemplates;

/// <summary>Evaluates the syntax tree to text, following @huggingface/jinja's Interpreter.</summary>
internal sealed partial class JinjaInterpreter
{
    private sealed class BreakSignal : Exception;

    private sealed class ContinueSignal : Exception;

    public string Run(TemplateBody program, JinjaScope global) => EvaluateBlock(program.Body, global);

    private string EvaluateBlock(IReadOnlyList<Node> statements, JinjaScope env)
    {
        var sb = new StringBuilder();
        foreach (var statement in statements)
        {
            var value = Evaluate(statement, env);
            if (value is not (NullValue or UndefinedValue))
                sb.Append(value.ToString());
        }
        return sb.ToString();
    }

    private JinjaValue Evaluate(Node? node, JinjaScope env)
    {
        try
        {
            return EvaluateNode(node, env);
        }
        catch (Exception e) when (e is not (ChatTemplateException or BreakSignal or ContinueSignal) && node is not null)
        {
            // .NET exceptions from a value (an overflow, a bad format) become template errors with a line.
            throw new ChatTemplateException(e.Message, node.Line);
        }
    }

    private JinjaValue EvaluateNode(Node? node, JinjaScope env)
    {
        switch (node)
        {
            case null:
                return UndefinedValue.Instance;
            case TextNode text:
                return new StringValue(text.Value);
            case CommentNode:
                return NullValue.Instance;
            case SetNode set:
                return EvaluateSet(set, env);
            case IfNode ifNode:
                return new StringValue(EvaluateBlock(Evaluate(ifNode.Test, env).IsTruthy ? ifNode.Body : ifNode.Alternate, env));
            case ForNode forNode:
                return EvaluateFor(forNode, env);
            case MacroNode macro:
                env.Set(macro.Name.Name, MakeMacro($"'{macro.Name.Name}'", macro.Parameters, macro.Body, null));
                return NullValue.Instance;
            case CallBlockNode callBlock:
                return EvaluateCallBlock(callBlock, env);
            case FilterBlockNode filterBlock:
                return ApplyFilter(new StringValue(EvaluateBlock(filterBlock.Body, env)), filterBlock.Filter, env);
            case BreakNode:
                throw new BreakSignal();
            case ContinueNode:
                throw new ContinueSignal();
            case IntegerLiteralNode integer:
                return new NumberValue(integer.Value, isFloat: false);
            case FloatLiteralNode number:
                return new NumberValue(number.Value, isFloat: true);
            case StringLiteralNode str:
                return new StringValue(str.Value);
            case ArrayLiteralNode array:
                return new ArrayValue(array.Items.Select(x => Evaluate(x, env)).ToList());
            case TupleLiteralNode tuple:
                return new TupleValue(tuple.Items.Select(x => Evaluate(x, env)).ToList());
            case ObjectLiteralNode obj:
                var result = new ObjectValue();
                foreach (var (keyNode, valueNode) in obj.Entries)
                {
                    if (Evaluate(keyNode, env) is not StringValue key)
                        throw new ChatTemplateException("Object keys must be strings", keyNode.Line);
                    result.Entries[key.Value] = Evaluate(valueNode, env);
                }
                return result;
            case IdentifierNode identifier:
                return env.Lookup(identifier.Name);
            case CallNode call:
                return EvaluateCall(call, env);
            case MemberNode member:
                return EvaluateMember(member, env);
            case UnaryNode unary:
                return EvaluateUnary(unary, env);
            case BinaryNode binary:
                return EvaluateBinary(binary, env);
            case FilterNode filter:
                return ApplyFilter(Evaluate(filter.Operand, env), filter.Filter, env);
            case TestNode test:
                return BooleanValue.Of(RunTest(test.Test, Evaluate(test.Operand, env), []) != test.Negate);
            case SelectNode select:
                return Evaluate(select.Test, env).IsTruthy ? Evaluate(select.Value, env) : UndefinedValue.Instance;
            case TernaryNode ternary:
                return Evaluate(ternary.Condition, env).IsTruthy ? Evaluate(ternary.WhenTrue, env) : Evaluate(ternary.WhenFalse, env);
            default:
                throw new ChatTemplateException($"Unsupported construct {node.GetType().Name}", node.Line);
        }
    }

    private NullValue EvaluateSet(SetNode node, JinjaScope env)
    {
        var rhs = node.Value is not null ? Evaluate(node.Value, env) : new StringValue(EvaluateBlock(node.Body, env));
        switch (node.Assignee)
        {
            case IdentifierNode id:
                env.Set(id.Name, rhs);
                break;
            case TupleLiteralNode tuple:
                if (rhs is not ArrayValue array)
                    throw new ChatTemplateException($"Cannot unpack non-iterable type in set: {rhs.TypeName}", node.Line);
                if (array.Items.Count != tuple.Items.Count)
                    throw new ChatTemplateException($"Too {(tuple.Items.Count > array.Items.Count ? "few" : "many")} items to unpack in set", node.Line);
                for (var i = 0; i < tuple.Items.Count; i++)
                {
                    if (tuple.Items[i] is not IdentifierNode target)
                        throw new ChatTemplateException("Cannot unpack to non-identifier in set", node.Line);
                    env.Set(target.Name, array.Items[i]);
                }
                break;
            case MemberNode member:
                if (Evaluate(member.Object, env) is not NamespaceValue ns)
                    throw new ChatTemplateException("cannot assign attribute on non-namespace object", node.Line);
                if (member.Property is not IdentifierNode property)
                    throw new ChatTemplateException("Cannot assign to member with non-identifier property", node.Line);
                ns.Entries[property.Name] = rhs;
                break;
            default:
                throw new ChatTemplateException("Invalid left-hand side of set", node.Line);
        }
        return NullValue.Instance;
    }

    private StringValue EvaluateFor(ForNode node, JinjaScope env)
    {
        var scope = new JinjaScope(env);
        Node? test = null;
        JinjaValue iterable;
        if (node.Iterable is SelectNode select)
        {
            iterable = Evaluate(select.Value, scope);
            test = select.Test;
        }
        else
        {
            iterable = Evaluate(node.Iterable, scope);
        }
        var source = iterable switch
        {
            ArrayValue array => array.Items,
            ObjectValue obj => obj.Entries.Keys.Select(k => (JinjaValue)new StringValue(k)).ToList(),
            _ => throw new ChatTemplateException($"Expected iterable or object type in for loop: got {iterable.TypeName}", node.Line),
        };

        void Bind(JinjaScope target, JinjaValue current)
        {
            if (node.LoopVar is IdentifierNode id)
            {
                target.Set(id.Name, current);
                return;
            }
            var names = ((TupleLiteralNode)node.LoopVar).Items;
            if (current is not ArrayValue tuple)
                throw new ChatTemplateException($"Cannot unpack non-iterable type: {current.TypeName}", node.Line);
            if (names.Count != tuple.Items.Count)
                throw new ChatTemplateException($"Too {(names.Count > tuple.Items.Count ? "few" : "many")} items to unpack", node.Line);
            for (var j = 0; j < names.Count; j++)
            {
                if (names[j] is not IdentifierNode name)
                    throw new ChatTemplateException("Cannot unpack non-identifier type", node.Line);
                target.Set(name.Name, tuple.Items[j]);
            }
        }

        // `for x in xs if cond` filters first, so loop.length and loop.last count only the kept items.
        var items = new List<JinjaValue>();
        foreach (var current in source)
        {
            if (test is not null)
            {
                var loopScope = new JinjaScope(scope);
                Bind(loopScope, current);
                if (!Evaluate(test, loopScope).IsTruthy)
                    continue;
            }
            items.Add(current);
        }

        var sb = new StringBuilder();
        var noIteration = true;
        for (var i = 0; i < items.Count; i++)
        {
            var loop = new ObjectValue();
            loop.Entries["index"] = Integer(i + 1);
            loop.Entries["index0"] = Integer(i);
            loop.Entries["revindex"] = Integer(items.Count - i);
            loop.Entries["revindex0"] = Integer(items.Count - i - 1);
            loop.Entries["first"] = BooleanValue.Of(i == 0);
            loop.Entries["last"] = BooleanValue.Of(i == items.Count - 1);
            loop.Entries["length"] = Integer(items.Count);
            loop.Entries["previtem"] = i > 0 ? items[i - 1] : UndefinedValue.Instance;
            loop.Entries["nextitem"] = i < items.Count - 1 ? items[i + 1] : UndefinedValue.Instance;
            scope.Set("loop", loop);
            Bind(scope, items[i]);
            try
            {
                sb.Append(EvaluateBlock(node.Body, scope));
            }
            catch (ContinueSignal)
            {
                continue;
            }
            catch (BreakSignal)
            {
                break;
            }
            noIteration = false;
        }
        if (noIteration)
            sb.Append(EvaluateBlock(node.Else, scope));
        return new StringValue(sb.ToString());
    }

    private static NumberValue Integer(double value) => new(value, isFloat: false);

    private JinjaValue EvaluateCall(CallNode call, JinjaScope env)
    {
        var (args, kwargs) = EvaluateArguments(call.Arguments, env);
        if (kwargs.Count > 0)
            args.Add(new KeywordArgumentsValue(kwargs));
        var fn = Evaluate(call.Callee, env);
        if (fn is not FunctionValue function)
        {
            var name = call.Callee is IdentifierNode id ? $"'{id.Name}'" : call.Callee is MemberNode { Property: IdentifierNode p } ? $"'.{p.Name}()'" : "it";
            throw new ChatTemplateException($"Cannot call {name}: not a function (got {fn.TypeName})", call.Line);
        }
        return function.Invoke(args, env);
    }

    private (List<JinjaValue> Args, OrderedDictionary<string, JinjaValue> Kwargs) EvaluateArguments(IReadOnlyList<Node> arguments, JinjaScope env)
    {
        var args = new List<JinjaValue>();
        var kwargs = new OrderedDictionary<string, JinjaValue>(StringComparer.Ordinal);
        foreach (var argument in arguments)
        {
            if (argument is SpreadNode spread)
            {
                if (Evaluate(spread.Argument, env) is not ArrayValue array)
                    throw new ChatTemplateException("Cannot unpack a non-iterable value", argument.Line);
                args.AddRange(array.Items);
            }
            else if (argument is not (KeywordArgumentNode or KeywordSpreadNode))
            {
                args.Add(Evaluate(argument, env));
            }
        }
        foreach (var argument in arguments)
        {
            if (argument is KeywordArgumentNode kw)
            {
                if (!kwargs.TryAdd(kw.Key.Name, Evaluate(kw.Value, env)))
                    throw new ChatTemplateException($"Got multiple values for keyword argument '{kw.Key.Name}'", argument.Line);
            }
            else if (argument is KeywordSpreadNode kwSpread)
            {
                if (Evaluate(kwSpread.Argument, env) is not ObjectValue obj)
                    throw new ChatTemplateException("Argument after ** must be a mapping", argument.Line);
                foreach (var (key, value) in obj.Entries)
                {
                    if (!kwargs.TryAdd(key, value))
                        throw new ChatTemplateException($"Got multiple values for keyword argument '{key}'", argument.Line);
                }
            }
        }
        return (args, kwargs);
    }

    private JinjaValue EvaluateMember(MemberNode node, JinjaScope env)
    {
        var obj = Evaluate(node.Object, env);
        JinjaValue property;
        if (node.Computed)
        {
            if (node.Property is SliceNode slice)
                return EvaluateSlice(obj, slice, env);
            property = Evaluate(node.Property, env);
        }
        else if (node.Property is IntegerLiteralNode integer)
        {
            property = Integer(integer.Value);
        }
        else
        {
            property = new StringValue(((IdentifierNode)node.Property).Name);
        }

        JinjaValue? value;
        switch (obj)
        {
            case ObjectValue or NamespaceValue:
                if (property is not StringValue key)
                    throw new ChatTemplateException($"Cannot access property with non-string: got {property.TypeName}", node.Line);
                var entries = obj is ObjectValue o ? o.Entries : ((NamespaceValue)obj).Entries;
                value = entries.TryGetValue(key.Value, out var found) ? found
                    : obj is ObjectValue dict ? JinjaBuiltins.ObjectMember(dict, key.Value) : null;
                break;
            case ArrayValue or StringValue:
                if (property is NumberValue index)
                {
                    value = obj is ArrayValue array ? At(array.Items, index.Value)
                        : At(((StringValue)obj).Value.Select(c => (JinjaValue)new StringValue(c.ToString())).ToList(), index.Value);
                }
                else if (property is StringValue name)
                {
                    value = obj is ArrayValue array ? JinjaBuiltins.ArrayMember(array, name.Value) : JinjaBuiltins.StringMember((StringValue)obj, name.Value);
                }
                else
                {
                    throw new ChatTemplateException($"Cannot access property with non-string/non-number: got {property.TypeName}", node.Line);
                }
                break;
            default:
                if (property is not StringValue)
                    throw new ChatTemplateException($"Cannot access property with non-string: got {property.TypeName}", node.Line);
                value = null;
                break;
        }
        return value ?? UndefinedValue.Instance;
    }

    /// <summary>JavaScript's Array.prototype.at: negative counts from the end, out of range is undefined.</summary>
    private static JinjaValue? At(List<JinjaValue> items, double index)
    {
        var i = (int)Math.Truncate(index);
        if (i < 0)
            i += items.Count;
        return i >= 0 && i < items.Count ? items[i] : null;
    }

    private JinjaValue EvaluateSlice(JinjaValue obj, SliceNode node, JinjaScope env)
    {
        if (obj is not (ArrayValue or StringValue))
            throw new ChatTemplateException("Slice object must be an array or string", node.Line);
        int? Bound(Node? n, string what) => Evaluate(n, env) switch
        {
            UndefinedValue => null,
            NumberValue { IsFloat: false } v => (int)v.Value,
            _ => throw new ChatTemplateException($"Slice {what} must be numeric or undefined", node.Line),
        };
        var start = Bound(node.Start, "start");
        var stop = Bound(node.Stop, "stop");
        var step = Bound(node.Step, "step");
        if (obj is ArrayValue array)
            return new ArrayValue(Slice(array.Items, start, stop, step ?? 1));
        var text = ((StringValue)obj).Value;
        // Array.from(string) iterates code points, so a slice never splits a surrogate pair.
        var codePoints = new List<string>();
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
            codePoints.Add(char.IsSurrogatePair(text, i) ? text.Substring(i, 2) : text[i].ToString());
        return new StringValue(string.Concat(Slice(codePoints, start, stop, step ?? 1)));
    }

    /// <summary>Python slice semantics, as @huggingface/jinja's slice helper.</summary>
    internal static List<T> Slice<T>(List<T> items, int? start, int? stop, int step)
    {
        if (step == 0)
            throw new ChatTemplateException("slice step cannot be zero");
        var n = items.Count;
        int from, to;
        if (step > 0)
        {
            from = start is { } s ? (s < 0 ? Math.Max(n + s, 0) : Math.Min(s, n)) : 0;
            to = stop is { } e ? (e < 0 ? Math.Max(n + e, 0) : Math.Min(e, n)) : n;
        }
        else
        {
            from = start is { } s ? (s < 0 ? Math.Max(n + s, -1) : Math.Min(s, n - 1)) : n - 1;
            to = stop is { } e ? (e < -1 ? Math.Max(n + e, -1) : Math.Min(e, n - 1)) : -1;
        }
        var result = new List<T>();
        var direction = Math.Sign(step);
        for (var i = from; direction * i < direction * to; i += step)
            result.Add(items[i]);
        return result;
    }

    private JinjaValue EvaluateUnary(UnaryNode node, JinjaScope env)
    {
        var argument = Evaluate(node.Argument, env);
        if (node.Operator == "not")
            return BooleanValue.Of(!argument.IsTruthy);
        var sign = node.Operator == "-" ? -1 : 1;
        return argument switch
        {
            NumberValue n => new NumberValue(sign * n.Value, n.IsFloat),
            BooleanValue b => Integer(sign * (b.Value ? 1 : 0)),
            _ => throw new ChatTemplateException($"Unknown operator \"{node.Operator}\" for {argument.TypeName}", node.Line),
        };
    }

    /// <summary>A macro, or a call block's caller(): binds arguments in a child of the calling scope.</summary>
    private FunctionValue MakeMacro(string displayName, IReadOnlyList<Node> parameters, IReadOnlyList<Node> body, JinjaScope? fixedScope)
    {
        var usesKwargs = UsesName(body, "kwargs");
        var usesVarargs = UsesName(body, "varargs");
        return new FunctionValue(displayName, (args, callScope) =>
        {
            var scope = new JinjaScope(fixedScope ?? callScope);
            var positional = args.ToList();
            var kwargs = new OrderedDictionary<string, JinjaValue>(StringComparer.Ordinal);
            if (positional.Count > 0 && positional[^1] is KeywordArgumentsValue kw)
            {
                positional.RemoveAt(positional.Count - 1);
                foreach (var (k, v) in kw.Entries)
                    kwargs[k] = v;
            }
            var pendingDefaults = new List<(string, Node)>();
            for (var i = 0; i < parameters.Count; i++)
            {
                var (name, defaultValue) = parameters[i] switch
                {
                    IdentifierNode id => (id.Name, (Node?)null),
                    KeywordArgumentNode k => (k.Key.Name, k.Value),
                    _ => throw new ChatTemplateException("Expected identifier for parameter declaration", parameters[i].Line),
                };
                JinjaValue? value = i < positional.Count ? positional[i] : null;
                if (value is null && kwargs.Remove(name, out var named))
                    value = named;
                if (value is null && defaultValue is not null)
                    pendingDefaults.Add((name, defaultValue));
                scope.Set(name, value ?? UndefinedValue.Instance);
            }
            if (usesKwargs)
                scope.Set("kwargs", new ObjectValue(kwargs));
            else if (kwargs.Count > 0)
                throw new ChatTemplateException($"macro {displayName} takes no keyword argument '{kwargs.GetAt(0).Key}'");
            if (usesVarargs)
                scope.Set("varargs", new ArrayValue(positional.Skip(parameters.Count).ToList()));
            else if (positional.Count > parameters.Count)
                throw new ChatTemplateException($"macro {displayName} takes not more than {parameters.Count} argument(s)");
            foreach (var (name, defaultValue) in pendingDefaults)
                scope.Set(name, Evaluate(defaultValue, scope));
            return new StringValue(EvaluateBlock(body, scope));
        });
    }

    // A simplification of @huggingface/jinja's scan: kwargs/varargs count as used when the body names them anywhere.
    private static bool UsesName(IReadOnlyList<Node> body, string name) => body.Any(n => Mentions(n, name));

    private static bool Mentions(object? node, string name) => node switch
    {
        IdentifierNode id => id.Name == name,
        Node n => n.GetType().GetProperties().Where(p => p.Name != "EqualityContract").Any(p => Mentions(p.GetValue(n), name)),
        IEnumerable<Node> list => list.Any(x => Mentions(x, name)),
        IEnumerable<(Node, Node)> pairs => pairs.Any(p => Mentions(p.Item1, name) || Mentions(p.Item2, name)),
        _ => false,
    };

    private JinjaValue EvaluateCallBlock(CallBlockNode node, JinjaScope env)
    {
        var caller = MakeMacro("None", node.CallerParameters ?? [], node.Body, env);
        var (args, kwargs) = EvaluateArguments(node.Call.Arguments, env);
        args.Add(new KeywordArgumentsValue(kwargs));
        if (Evaluate(node.Call.Callee, env) is not FunctionValue fn)
            throw new ChatTemplateException("Cannot call something that is not a function", node.Line);
        var callEnv = new JinjaScope(env);
        callEnv.Set("caller", caller);
        return fn.Invoke(args, callEnv);
    }
}
