namespace WebDemo.Inference.Onnx.ChatTemplates;

/// <summary>A variable scope; a for loop and a macro call open a child scope, if blocks do not.</summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly Dictionary<string, JinjaValue> _variables = new(StringComparer.Ordinal);
    private readonly JinjaScope? _parent = parent;

    public void Set(string name, JinjaValue value) => _variables[name] = value;

    /// <summary>An unknown name is undefined, never an error.</summary>
    public JinjaValue Lookup(string name)
    {
        for (var env = this; env is not null; env = env._parent)
        {
            if (env._variables.TryGetValue(name, out var value))
                return value;
        }
        return UndefinedValue.Instance;
    }
}
