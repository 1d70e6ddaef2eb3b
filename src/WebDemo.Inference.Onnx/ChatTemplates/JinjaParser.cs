using System.Globalization;

namespace WebDemo.Inference.Onnx.ChatTemplates;

/// <summary>
/// Builds the syntax tree from tokens with @huggingface/jinja's grammar and precedence (lowest first):
/// ternary, or, and, not, comparison/in, additive (+ - ~), multiplicative, **, is-tests, filters, unary sign,
/// call/member, primary.
/// </summary>
internal sealed class JinjaParser
{
    private readonly List<Token> _tokens;
    private int _current;

    private JinjaParser(List<Token> tokens) => _tokens = tokens;

    public static TemplateBody Parse(List<Token> tokens)
    {
        var parser = new JinjaParser(tokens);
        var body = new List<Node>();
        while (parser._current < tokens.Count)
            body.Add(parser.ParseAny());
        return new TemplateBody(body);
    }

    private int Line => _current < _tokens.Count ? _tokens[_current].Line : _tokens.Count > 0 ? _tokens[^1].Line : 1;

    private ChatTemplateException Error(string message) => new(message, Line);

    private Token Peek(int offset = 0) =>
        _current + offset < _tokens.Count ? _tokens[_current + offset] : throw Error("Unexpected end of template");

    private Token Expect(TokenType type, string error)
    {
        if (_current >= _tokens.Count)
            throw Error($"{error}: the template ends early");
        var token = _tokens[_current++];
        if (token.Type != type)
            throw new ChatTemplateException($"{error}, got {token.Type} '{token.Value}'", token.Line);
        return token;
    }

    private bool Is(TokenType type) => _current < _tokens.Count && _tokens[_current].Type == type;

    private bool IsIdentifier(string name, int offset = 0) =>
        _current + offset < _tokens.Count && _tokens[_current + offset].Type == TokenType.Identifier
        && _tokens[_current + offset].Value == name;

    private bool IsStatement(params string[] names) =>
        _current + 1 < _tokens.Count && _tokens[_current].Type == TokenType.OpenStatement
        && _tokens[_current + 1].Type == TokenType.Identifier && names.Contains(_tokens[_current + 1].Value);

    private void ExpectIdentifier(string name)
    {
        if (!IsIdentifier(name))
            throw Error($"Expected {name}");
        ++_current;
    }

    private void ExpectEnd(string name)
    {
        Expect(TokenType.OpenStatement, $"Expected {{% {name} %}}");
        ExpectIdentifier(name);
        Expect(TokenType.CloseStatement, "Expected %}");
    }

    /// <summary>Statements up to (not including) one of the given block tags.</summary>
    private List<Node> ParseUntil(string what, params string[] names)
    {
        var body = new List<Node>();
        while (!IsStatement(names))
        {
            if (_current >= _tokens.Count)
                throw Error($"Unclosed {what}: expected {{% {string.Join(" or ", names)} %}}");
            body.Add(ParseAny());
        }
        return body;
    }

    private Node ParseAny()
    {
        var token = Peek();
        switch (token.Type)
        {
            case TokenType.Comment:
                ++_current;
                return new CommentNode(token.Line);
            case TokenType.Text:
                ++_current;
                return new TextNode(token.Value, token.Line);
            case TokenType.OpenStatement:
                return ParseStatement();
            case TokenType.OpenExpression:
                ++_current;
                var expression = ParseExpression();
                Expect(TokenType.CloseExpression, "Expected }}");
                return expression;
            default:
                throw Error($"Unexpected token {token.Type} '{token.Value}'");
        }
    }

    private Node ParseStatement()
    {
        Expect(TokenType.OpenStatement, "Expected {%");
        var nameToken = Peek();
        if (nameToken.Type != TokenType.Identifier)
            throw Error($"Unknown statement, got {nameToken.Type}");
        var line = nameToken.Line;
        ++_current;
        switch (nameToken.Value)
        {
            case "set":
                return ParseSet(line);
            case "if":
                {
                    var result = ParseIf(line);
                    ExpectEnd("endif");
                    return result;
                }
            case "macro":
                {
                    if (ParsePrimary() is not IdentifierNode name)
                        throw Error("Expected identifier following macro statement");
                    var parameters = ParseArguments(parameters: true);
                    Expect(TokenType.CloseStatement, "Expected %}");
                    var body = ParseUntil("macro", "endmacro");
                    ExpectEnd("endmacro");
                    return new MacroNode(name, parameters, body, line);
                }
            case "for":
                {
                    var result = ParseFor(line);
                    ExpectEnd("endfor");
                    return result;
                }
            case "call":
                {
                    List<Node>? callerParameters = Is(TokenType.OpenParen) ? ParseArguments(parameters: true) : null;
                    var callee = ParsePrimary();
                    if (callee is not IdentifierNode)
                        throw Error("Expected identifier following call statement");
                    var call = new CallNode(callee, ParseArguments(parameters: false), line);
                    Expect(TokenType.CloseStatement, "Expected %}");
                    var body = ParseUntil("call block", "endcall");
                    ExpectEnd("endcall");
                    return new CallBlockNode(call, callerParameters, body, line);
                }
            case "break":
                Expect(TokenType.CloseStatement, "Expected %}");
                return new BreakNode(line);
            case "continue":
                Expect(TokenType.CloseStatement, "Expected %}");
                return new ContinueNode(line);
            case "filter":
                {
                    var filter = ParsePrimary();
                    if (filter is IdentifierNode && Is(TokenType.OpenParen))
                        filter = ParseCall(filter);
                    Expect(TokenType.CloseStatement, "Expected %}");
                    var body = ParseUntil("filter block", "endfilter");
                    ExpectEnd("endfilter");
                    return new FilterBlockNode(filter, body, line);
                }
            default:
                throw new ChatTemplateException($"Unsupported statement '{{% {nameToken.Value} %}}'", line);
        }
    }

    private SetNode ParseSet(int line)
    {
        var left = ParseExpressionSequence(primary: false);
        Node? value = null;
        var body = new List<Node>();
        if (Is(TokenType.Equals))
        {
            ++_current;
            value = ParseExpressionSequence(primary: false);
        }
        else
        {
            Expect(TokenType.CloseStatement, "Expected %}");
            body = ParseUntil("set block", "endset");
            Expect(TokenType.OpenStatement, "Expected {%");
            ExpectIdentifier("endset");
        }
        Expect(TokenType.CloseStatement, "Expected %}");
        return new SetNode(left, value, body, line);
    }

    private IfNode ParseIf(int line)
    {
        var test = ParseExpression();
        Expect(TokenType.CloseStatement, "Expected %}");
        var body = ParseUntil("if", "elif", "else", "endif");
        var alternate = new List<Node>();
        if (IsStatement("elif"))
        {
            var elifLine = Peek(1).Line;
            _current += 2;
            alternate.Add(ParseIf(elifLine));
        }
        else if (IsStatement("else"))
        {
            _current += 2;
            Expect(TokenType.CloseStatement, "Expected %}");
            alternate = ParseUntil("if", "endif");
        }
        return new IfNode(test, body, alternate, line);
    }

    private ForNode ParseFor(int line)
    {
        var loopVar = ParseExpressionSequence(primary: true);
        if (loopVar is not (IdentifierNode or TupleLiteralNode))
            throw Error("Expected identifier/tuple for the loop variable");
        if (!IsIdentifier("in"))
            throw Error("Expected `in` keyword following loop variable");
        ++_current;
        var iterable = ParseExpression();
        Expect(TokenType.CloseStatement, "Expected %}");
        var body = ParseUntil("for", "endfor", "else");
        var otherwise = new List<Node>();
        if (IsStatement("else"))
        {
            _current += 2;
            Expect(TokenType.CloseStatement, "Expected %}");
            otherwise = ParseUntil("for", "endfor");
        }
        return new ForNode(loopVar, iterable, body, otherwise, line);
    }

    private Node ParseExpressionSequence(bool primary)
    {
        var line = Line;
        var expressions = new List<Node> { primary ? ParsePrimary() : ParseExpression() };
        var isTuple = Is(TokenType.Comma);
        while (isTuple)
        {
            ++_current;
            expressions.Add(primary ? ParsePrimary() : ParseExpression());
            if (!Is(TokenType.Comma))
                break;
        }
        return isTuple ? new TupleLiteralNode(expressions, line) : expressions[0];
    }

    private Node ParseExpression() => ParseIfExpression();

    private Node ParseIfExpression()
    {
        var a = ParseOr();
        if (!IsIdentifier("if"))
            return a;
        var line = Line;
        ++_current;
        var test = ParseOr();
        if (IsIdentifier("else"))
        {
            ++_current;
            return new TernaryNode(test, a, ParseIfExpression(), line);
        }
        return new SelectNode(a, test, line);
    }

    private Node ParseOr() => ParseLogical("or", ParseAnd);

    private Node ParseAnd() => ParseLogical("and", ParseNot);

    private Node ParseLogical(string keyword, Func<Node> parseOperand)
    {
        var left = parseOperand();
        while (IsIdentifier(keyword))
        {
            var line = Line;
            ++_current;
            left = new BinaryNode(keyword, left, parseOperand(), line);
        }
        return left;
    }

    private Node ParseNot()
    {
        if (!IsIdentifier("not"))
            return ParseComparison();
        var line = Line;
        ++_current;
        return new UnaryNode("not", ParseNot(), line);
    }

    private Node ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            var line = Line;
            string op;
            if (IsIdentifier("not") && IsIdentifier("in", 1))
            {
                op = "not in";
                _current += 2;
            }
            else if (IsIdentifier("in"))
            {
                op = "in";
                ++_current;
            }
            else if (Is(TokenType.ComparisonBinaryOperator))
            {
                op = _tokens[_current++].Value;
            }
            else
            {
                return left;
            }
            left = new BinaryNode(op, left, ParseAdditive(), line);
        }
    }

    private Node ParseAdditive() => ParseLeftAssociative(TokenType.AdditiveBinaryOperator, ParseMultiplicative);

    private Node ParseMultiplicative() => ParseLeftAssociative(TokenType.MultiplicativeBinaryOperator, ParsePower);

    // Jinja's ** is left-associative, unlike Python's.
    private Node ParsePower() => ParseLeftAssociative(TokenType.ExponentiationBinaryOperator, ParseTest);

    /// <summary>operand (op operand)*, folded to the left.</summary>
    private Node ParseLeftAssociative(TokenType operatorType, Func<Node> parseOperand)
    {
        var left = parseOperand();
        while (Is(operatorType))
        {
            var token = _tokens[_current++];
            left = new BinaryNode(token.Value, left, parseOperand(), token.Line);
        }
        return left;
    }

    private Node ParseTest()
    {
        var operand = ParseFilter();
        while (IsIdentifier("is"))
        {
            var line = Line;
            ++_current;
            var negate = IsIdentifier("not");
            if (negate)
                ++_current;
            if (ParsePrimary() is not IdentifierNode test)
                throw Error("Expected identifier for the test");
            operand = new TestNode(operand, negate, test, line);
        }
        return operand;
    }

    private Node ParseFilter()
    {
        var operand = ParseUnarySign();
        while (Is(TokenType.Pipe))
        {
            var line = Line;
            ++_current;
            var filter = ParsePrimary();
            if (filter is not IdentifierNode)
                throw Error("Expected identifier for the filter");
            if (Is(TokenType.OpenParen))
                filter = ParseCall(filter);
            operand = new FilterNode(operand, filter, line);
        }
        return operand;
    }

    private Node ParseUnarySign()
    {
        if (_current < _tokens.Count && _tokens[_current] is { Type: TokenType.UnaryOperator or TokenType.AdditiveBinaryOperator, Value: "-" or "+" } token)
        {
            ++_current;
            return new UnaryNode(token.Value, ParseUnarySign(), token.Line);
        }
        var member = ParseMember(ParsePrimary());
        return Is(TokenType.OpenParen) ? ParseCall(member) : member;
    }

    private Node ParseCall(Node callee)
    {
        Node expression = new CallNode(callee, ParseArguments(parameters: false), callee.Line);
        expression = ParseMember(expression);
        return Is(TokenType.OpenParen) ? ParseCall(expression) : expression;
    }

    /// <summary>A call's arguments or a macro's parameters, in parentheses.</summary>
    private List<Node> ParseArguments(bool parameters)
    {
        Expect(TokenType.OpenParen, "Expected ( for the arguments");
        var args = new List<Node>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var sawKeyword = false;
        var sawSpread = false;
        while (!Is(TokenType.CloseParen))
        {
            var line = Line;
            var isKeywordSpread = Is(TokenType.ExponentiationBinaryOperator);
            var isSpread = Is(TokenType.MultiplicativeBinaryOperator) && Peek().Value == "*";
            if (parameters && (isKeywordSpread || isSpread))
                throw Error("Argument unpacking is not allowed in parameter declarations");
            if (isKeywordSpread)
            {
                ++_current;
                args.Add(new KeywordSpreadNode(ParseExpression(), line));
                if (Is(TokenType.Comma))
                    ++_current;
                if (!Is(TokenType.CloseParen))
                    throw Error("`**` must be applied to the final argument");
                break;
            }
            Node argument;
            if (isSpread)
            {
                if (sawSpread)
                    throw Error("Only one `*` argument unpacking is allowed");
                sawSpread = true;
                ++_current;
                argument = new SpreadNode(ParseExpression(), line);
            }
            else
            {
                argument = ParseExpression();
                if (Is(TokenType.Equals))
                {
                    ++_current;
                    if (argument is not IdentifierNode key)
                        throw Error(parameters ? "Expected identifier for parameter declaration" : "Expected identifier for keyword argument");
                    argument = new KeywordArgumentNode(key, ParseExpression(), line);
                }
                if (parameters)
                {
                    var name = argument switch
                    {
                        IdentifierNode id => id.Name,
                        KeywordArgumentNode kw => kw.Key.Name,
                        _ => throw Error("Expected identifier for parameter declaration"),
                    };
                    if (!names.Add(name))
                        throw Error($"Duplicate parameter name: {name}");
                }
                if (argument is KeywordArgumentNode)
                    sawKeyword = true;
                else if (sawKeyword)
                    throw Error(parameters ? "Non-default argument follows default argument" : "Positional arguments must come before keyword arguments");
                else if (sawSpread)
                    throw Error("Positional arguments must not follow `*` argument unpacking");
            }
            args.Add(argument);
            if (Is(TokenType.Comma))
                ++_current;
        }
        ++_current;
        return args;
    }

    private Node ParseMember(Node obj)
    {
        while (Is(TokenType.Dot) || Is(TokenType.OpenSquareBracket))
        {
            var token = _tokens[_current++];
            var computed = token.Type == TokenType.OpenSquareBracket;
            Node property;
            if (computed)
            {
                property = ParseSubscript(token.Line);
                Expect(TokenType.CloseSquareBracket, "Expected ]");
            }
            else
            {
                property = ParsePrimary();
                if (property is not (IdentifierNode or IntegerLiteralNode))
                    throw Error("Expected identifier or integer following dot operator");
            }
            obj = new MemberNode(obj, property, computed, token.Line);
        }
        return obj;
    }

    /// <summary>What is inside [ ]: an index or key, or a slice [start:stop:step].</summary>
    private Node ParseSubscript(int line)
    {
        var slices = new List<Node?>();
        var isSlice = false;
        while (!Is(TokenType.CloseSquareBracket))
        {
            if (Is(TokenType.Colon))
            {
                slices.Add(null);
                ++_current;
                isSlice = true;
            }
            else
            {
                slices.Add(ParseExpression());
                if (Is(TokenType.Colon))
                {
                    ++_current;
                    isSlice = true;
                }
            }
        }
        if (slices.Count == 0)
            throw Error("Expected at least one argument for member/slice expression");
        if (!isSlice)
            return slices[0]!;
        if (slices.Count > 3)
            throw Error("Expected 0-3 arguments for slice expression");
        return new SliceNode(slices[0], slices.ElementAtOrDefault(1), slices.ElementAtOrDefault(2), line);
    }

    private Node ParsePrimary()
    {
        var token = Peek();
        ++_current;
        switch (token.Type)
        {
            case TokenType.NumericLiteral:
                var number = double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                return token.Value.Contains('.', StringComparison.Ordinal)
                    ? new FloatLiteralNode(number, token.Line)
                    : new IntegerLiteralNode(number, token.Line);
            case TokenType.StringLiteral:
                // Adjacent string literals concatenate, as in Python.
                var value = token.Value;
                while (Is(TokenType.StringLiteral))
                    value += _tokens[_current++].Value;
                return new StringLiteralNode(value, token.Line);
            case TokenType.Identifier:
                return new IdentifierNode(token.Value, token.Line);
            case TokenType.OpenParen:
                var expression = ParseExpressionSequence(primary: false);
                Expect(TokenType.CloseParen, "Expected )");
                return expression;
            case TokenType.OpenSquareBracket:
                {
                    var items = new List<Node>();
                    while (!Is(TokenType.CloseSquareBracket))
                    {
                        items.Add(ParseExpression());
                        if (Is(TokenType.Comma))
                            ++_current;
                    }
                    ++_current;
                    return new ArrayLiteralNode(items, token.Line);
                }
            case TokenType.OpenCurlyBracket:
                {
                    var entries = new List<(Node, Node)>();
                    while (!Is(TokenType.CloseCurlyBracket))
                    {
                        var key = ParseExpression();
                        Expect(TokenType.Colon, "Expected colon between key and value in object literal");
                        entries.Add((key, ParseExpression()));
                        if (Is(TokenType.Comma))
                            ++_current;
                    }
                    ++_current;
                    return new ObjectLiteralNode(entries, token.Line);
                }
            default:
                throw new ChatTemplateException($"Unexpected token {token.Type} '{token.Value}'", token.Line);
        }
    }
}
