namespace WebDemo.Inference.Onnx.ChatTemplates;

/// <summary>
/// A chat template that cannot be parsed or rendered: a syntax error, a construct this interpreter does not
/// support (named in the message), or the template's own <c>raise_exception(...)</c>.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    public ChatTemplateException(string message, int line)
        : base(line > 0 ? $"{message} (template line {line})" : message)
    {
        Reason = message;
        Line = line;
    }

    public ChatTemplateException() : this("Invalid chat template", 0) { }

    public ChatTemplateException(string message) : this(message, 0) { }

    public ChatTemplateException(string message, Exception innerException) : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>The message without the line.</summary>
    public string Reason { get; } = "";

    /// <summary>1-based line of the template where it happened; 0 when unknown.</summary>
    public int Line { get; }
}
