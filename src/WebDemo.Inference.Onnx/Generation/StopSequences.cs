using System.Text;

namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Ends streamed text at the first of the caller's stop sequences (OpenAI's <c>stop</c>), which is
/// not sent, as the OpenAI API and TGI do. Text that could still turn into a stop sequence (the end
/// of "Obs" when "Observation:" is one) is held back until the next piece shows whether it does.
/// </summary>
internal sealed class StopSequences(IReadOnlyList<string> stops)
{
    private readonly string[] _stops = stops.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
    private readonly StringBuilder _held = new();

    /// <summary>Whether a stop sequence was found; nothing more is let through after it.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Takes the next piece of text; returns what is safe to send now.</summary>
    public string Add(string text)
    {
        if (Stopped)
            return "";
        if (_stops.Length == 0)
            return text;
        _held.Append(text);
        var held = _held.ToString();
        var first = -1;
        foreach (var stop in _stops)
        {
            var at = held.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
                first = at;
        }
        if (first >= 0)
        {
            Stopped = true;
            _held.Clear();
            return held[..first];
        }
        var keep = LongestStopPrefixAtEnd(held);
        _held.Clear().Append(held, held.Length - keep, keep);
        return held[..^keep];
    }

    /// <summary>The text held back at the end of the sequence, when it never became a stop sequence.</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _held.ToString();
        _held.Clear();
        return rest;
    }

    /// <summary>How many characters at the end of <paramref name="text"/> begin some stop sequence.</summary>
    private int LongestStopPrefixAtEnd(string text)
    {
        var longest = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
