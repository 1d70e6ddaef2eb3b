using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace WebDemo.Inference.Onnx.ChatTemplates;

internal enum TokenType
{
    Text,
    NumericLiteral,
    StringLiteral,
    Identifier,
    Equals,
    OpenParen,
    CloseParen,
    OpenStatement,
    CloseStatement,
    OpenExpression,
    CloseExpression,
    OpenSquareBracket,
    CloseSquareBracket,
    OpenCurlyBracket,
    CloseCurlyBracket,
    Comma,
    Dot,
    Colon,
    Pipe,
    AdditiveBinaryOperator,
    MultiplicativeBinaryOperator,
    ExponentiationBinaryOperator,
    ComparisonBinaryOperator,
    UnaryOperator,
    Comment,
}

internal sealed class Token(string value, TokenType type, int line)
{
    public string Value { get; set; } = value;
    public TokenType Type { get; } = type;
    /// <summary>1-based line in the template source, for error messages.</summary>
    public int Line { get; } = line;
}

/// <summary>
/// Splits a template into tokens the way @huggingface/jinja does, with trim_blocks and lstrip_blocks on
/// (as transformers and transformers.js configure Jinja for chat templates).
/// </summary>
internal static partial class JinjaLexer
{
    private static readonly (string Sequence, TokenType Type)[] OrderedMappingTable =
    [
        ("{%", TokenType.OpenStatement),
        ("%}", TokenType.CloseStatement),
        ("{{", TokenType.OpenExpression),
        ("}}", TokenType.CloseExpression),
        ("(", TokenType.OpenParen),
        (")", TokenType.CloseParen),
        ("{", TokenType.OpenCurlyBracket),
        ("}", TokenType.CloseCurlyBracket),
        ("[", TokenType.OpenSquareBracket),
        ("]", TokenType.CloseSquareBracket),
        (",", TokenType.Comma),
        (".", TokenType.Dot),
        (":", TokenType.Colon),
        ("|", TokenType.Pipe),
        ("<=", TokenType.ComparisonBinaryOperator),
        (">=", TokenType.ComparisonBinaryOperator),
        ("==", TokenType.ComparisonBinaryOperator),
        ("!=", TokenType.ComparisonBinaryOperator),
        ("<", TokenType.ComparisonBinaryOperator),
        (">", TokenType.ComparisonBinaryOperator),
        ("+", TokenType.AdditiveBinaryOperator),
        ("-", TokenType.AdditiveBinaryOperator),
        ("~", TokenType.AdditiveBinaryOperator),
        ("**", TokenType.ExponentiationBinaryOperator),
        ("*", TokenType.MultiplicativeBinaryOperator),
        ("//", TokenType.MultiplicativeBinaryOperator),
        ("/", TokenType.MultiplicativeBinaryOperator),
        ("%", TokenType.MultiplicativeBinaryOperator),
        ("=", TokenType.Equals),
    ];

    // JavaScript's multiline ^ also matches after \r, U+2028 and U+2029.
    [GeneratedRegex(@"(?<=\A|[\n\r\u2028\u2029])[ \t]*(\{[#%-])")]
    private static partial Regex LstripBlocks();

    [GeneratedRegex(@"([#%-]\})\n")]
    private static partial Regex TrimBlocks();

    // transformers' own {% generation %} / {% endgeneration %} tags are removed before parsing.
    [GeneratedRegex(@"(\s*)\{%(-?)\s*(?:end)?generation\s*(-?)%\}(\s*)", RegexOptions.Singleline)]
    private static partial Regex GenerationTag();

    public static List<Token> Tokenize(string source)
    {
        var (src, lines) = Preprocess(source);
        var tokens = new List<Token>();
        var pos = 0;
        var curlyDepth = 0;

        int LineAt(int index) => lines.Length == 0 ? 1 : lines[Math.Min(index, lines.Length - 1)];
        char At(int index) => index < src.Length ? src[index] : '\0';
        bool StartsAt(string s) => string.CompareOrdinal(src, pos, s, 0, s.Length) == 0 && pos + s.Length <= src.Length;
        TokenType? LastType() => tokens.Count == 0 ? null : tokens[^1].Type;
        void Add(string value, TokenType type, int at) => tokens.Add(new Token(value, type, LineAt(at)));

        string ConsumeWhile(Func<char, bool> predicate)
        {
            var sb = new StringBuilder();
            while (pos < src.Length && predicate(src[pos]))
            {
                if (src[pos] == '\\')
                {
                    ++pos;
                    if (pos >= src.Length)
                        throw new ChatTemplateException("Unexpected end of input", LineAt(pos));
                    var escaped = src[pos++];
                    if (escaped is 'x' or 'u')
                    {
                        var length = escaped == 'x' ? 2 : 4;
                        var hex = pos + length <= src.Length ? src.Substring(pos, length) : src[pos..];
                        if (hex.Length != length || !hex.All(Uri.IsHexDigit))
                            throw new ChatTemplateException($"Invalid hexadecimal escape sequence: \\{escaped}{hex}", LineAt(pos));
                        sb.Append((char)int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        pos += length;
                        continue;
                    }
                    sb.Append(escaped switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        'b' => '\b',
                        'f' => '\f',
                        'v' => '\v',
                        '\'' or '"' or '\\' => escaped,
                        _ => throw new ChatTemplateException($"Unexpected escaped character: {escaped}", LineAt(pos)),
                    });
                    continue;
                }
                sb.Append(src[pos++]);
                if (pos >= src.Length)
                    throw new ChatTemplateException("Unexpected end of input", LineAt(pos));
            }
            return sb.ToString();
        }

        void StripTrailingWhitespace()
        {
            if (tokens.Count > 0 && tokens[^1].Type == TokenType.Text)
            {
                tokens[^1].Value = tokens[^1].Value.TrimEnd();
                if (tokens[^1].Value.Length == 0)
                    tokens.RemoveAt(tokens.Count - 1);
            }
        }

        void SkipLeadingWhitespace()
        {
            while (pos < src.Length && char.IsWhiteSpace(src[pos]))
                ++pos;
        }

        while (pos < src.Length)
        {
            var last = LastType();
            if (last is null or TokenType.CloseStatement or TokenType.CloseExpression or TokenType.Comment)
            {
                var start = pos;
                while (pos < src.Length && !(src[pos] == '{' && At(pos + 1) is '%' or '{' or '#'))
                    ++pos;
                if (pos > start)
                {
                    Add(src[start..pos], TokenType.Text, start);
                    continue;
                }
            }

            if (src[pos] == '{' && At(pos + 1) == '#')
            {
                var start = pos;
                pos += 2;
                var stripBefore = At(pos) == '-';
                if (stripBefore)
                    ++pos;
                var commentStart = pos;
                while (At(pos) != '#' || At(pos + 1) != '}')
                {
                    if (pos + 2 >= src.Length)
                        throw new ChatTemplateException("Missing end of comment tag", LineAt(start));
                    ++pos;
                }
                var comment = src[commentStart..pos];
                var stripAfter = comment.EndsWith('-');
                if (stripAfter)
                    comment = comment[..^1];
                if (stripBefore)
                    StripTrailingWhitespace();
                Add(comment, TokenType.Comment, start);
                pos += 2;
                if (stripAfter)
                    SkipLeadingWhitespace();
                continue;
            }

            if (StartsAt("{%-"))
            {
                StripTrailingWhitespace();
                Add("{%", TokenType.OpenStatement, pos);
                pos += 3;
                continue;
            }
            if (StartsAt("{{-"))
            {
                StripTrailingWhitespace();
                Add("{{", TokenType.OpenExpression, pos);
                curlyDepth = 0;
                pos += 3;
                continue;
            }

            SkipLeadingWhitespace();
            if (pos >= src.Length)
                break;

            if (StartsAt("-%}"))
            {
                Add("%}", TokenType.CloseStatement, pos);
                pos += 3;
                SkipLeadingWhitespace();
                continue;
            }
            if (StartsAt("-}}"))
            {
                Add("}}", TokenType.CloseExpression, pos);
                pos += 3;
                SkipLeadingWhitespace();
                continue;
            }

            var ch = src[pos];
            if (ch is '-' or '+')
            {
                var previous = LastType();
                if (previous is null or TokenType.Text)
                    throw new ChatTemplateException($"Unexpected character: {ch}", LineAt(pos));
                if (previous is not (TokenType.Identifier or TokenType.NumericLiteral or TokenType.StringLiteral
                    or TokenType.CloseParen or TokenType.CloseSquareBracket))
                {
                    // A unary sign: folded into a number that follows it.
                    var start = pos;
                    ++pos;
                    var num = ConsumeWhile(char.IsAsciiDigit);
                    if (num.Length > 0 && At(pos) == '.' && char.IsAsciiDigit(At(pos + 1)))
                    {
                        ++pos;
                        num += "." + ConsumeWhile(char.IsAsciiDigit);
                    }
                    Add(ch + num, num.Length > 0 ? TokenType.NumericLiteral : TokenType.UnaryOperator, start);
                    continue;
                }
            }

            var matched = false;
            foreach (var (sequence, type) in OrderedMappingTable)
            {
                if (sequence == "}}" && curlyDepth > 0)
                    continue;
                if (!StartsAt(sequence))
                    continue;
                Add(sequence, type, pos);
                if (type == TokenType.OpenExpression)
                    curlyDepth = 0;
                else if (type == TokenType.OpenCurlyBracket)
                    ++curlyDepth;
                else if (type == TokenType.CloseCurlyBracket)
                    --curlyDepth;
                pos += sequence.Length;
                matched = true;
                break;
            }
            if (matched)
                continue;

            if (ch is '\'' or '"')
            {
                var start = pos;
                ++pos;
                var str = ConsumeWhile(c => c != ch);
                Add(str, TokenType.StringLiteral, start);
                ++pos;
                continue;
            }

            if (char.IsAsciiDigit(ch))
            {
                var start = pos;
                var num = ConsumeWhile(char.IsAsciiDigit);
                if (LastType() != TokenType.Dot && At(pos) == '.' && char.IsAsciiDigit(At(pos + 1)))
                {
                    ++pos;
                    num += "." + ConsumeWhile(char.IsAsciiDigit);
                }
                Add(num, TokenType.NumericLiteral, start);
                continue;
            }

            if (IsWord(ch))
            {
                var start = pos;
                Add(ConsumeWhile(IsWord), TokenType.Identifier, start);
                continue;
            }

            throw new ChatTemplateException($"Unexpected character: {ch}", LineAt(pos));
        }
        return tokens;
    }

    // JavaScript's \w: ASCII letters, digits and underscore only.
    private static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>
    /// The text rewrites @huggingface/jinja makes before tokenizing (final newline, lstrip_blocks, trim_blocks,
    /// generation tags), keeping each remaining character's original line for error messages.
    /// </summary>
    private static (string Text, int[] Lines) Preprocess(string template)
    {
        var lines = new int[template.Length];
        var line = 1;
        for (var i = 0; i < template.Length; i++)
        {
            lines[i] = line;
            if (template[i] == '\n')
                line++;
        }
        if (template.EndsWith('\n'))
        {
            template = template[..^1];
            lines = lines[..^1];
        }
        (template, lines) = Rewrite(template, lines, LstripBlocks(), m => [m.Groups[1]]);
        (template, lines) = Rewrite(template, lines, TrimBlocks(), m => [m.Groups[1]]);
        return Rewrite(template, lines, GenerationTag(), m =>
        {
            var kept = new List<Group>();
            if (m.Groups[2].Length == 0)
                kept.Add(m.Groups[1]);
            if (m.Groups[3].Length == 0)
                kept.Add(m.Groups[4]);
            return kept;
        });
    }

    /// <summary>Replaces each match with the listed parts of itself, carrying the line of each kept character.</summary>
    private static (string, int[]) Rewrite(string text, int[] lines, Regex regex, Func<Match, IReadOnlyList<Group>> keep)
    {
        var sb = new StringBuilder(text.Length);
        var newLines = new List<int>(lines.Length);
        var last = 0;
        void Copy(int start, int length)
        {
            sb.Append(text, start, length);
            newLines.AddRange(lines.AsSpan(start, length));
        }
        foreach (Match m in regex.Matches(text))
        {
            Copy(last, m.Index - last);
            foreach (var group in keep(m))
                Copy(group.Index, group.Length);
            last = m.Index + m.Length;
        }
        Copy(last, text.Length - last);
        return (sb.ToString(), newLines.ToArray());
    }
}
