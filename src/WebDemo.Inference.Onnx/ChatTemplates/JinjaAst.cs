namespace WebDemo.Inference.Onnx.ChatTemplates;

// The syntax tree, shaped like @huggingface/jinja's so that evaluation follows it closely.
// Every node carries the template line it starts on, for error messages.

internal abstract record Node(int Line);

internal sealed record TemplateBody(IReadOnlyList<Node> Body) : Node(1);

internal sealed record TextNode(string Value, int Line) : Node(Line);

internal sealed record CommentNode(int Line) : Node(Line);

internal sealed record IfNode(Node Test, IReadOnlyList<Node> Body, IReadOnlyList<Node> Alternate, int Line) : Node(Line);

internal sealed record ForNode(Node LoopVar, Node Iterable, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else, int Line) : Node(Line);

internal sealed record BreakNode(int Line) : Node(Line);

internal sealed record ContinueNode(int Line) : Node(Line);

/// <summary><c>{% set x = v %}</c> (Value set) or <c>{% set x %}…{% endset %}</c> (Body).</summary>
internal sealed record SetNode(Node Assignee, Node? Value, IReadOnlyList<Node> Body, int Line) : Node(Line);

internal sealed record MacroNode(IdentifierNode Name, IReadOnlyList<Node> Parameters, IReadOnlyList<Node> Body, int Line) : Node(Line);

internal sealed record CallBlockNode(CallNode Call, IReadOnlyList<Node>? CallerParameters, IReadOnlyList<Node> Body, int Line) : Node(Line);

internal sealed record FilterBlockNode(Node Filter, IReadOnlyList<Node> Body, int Line) : Node(Line);

internal sealed record StringLiteralNode(string Value, int Line) : Node(Line);

internal sealed record IntegerLiteralNode(double Value, int Line) : Node(Line);

internal sealed record FloatLiteralNode(double Value, int Line) : Node(Line);

internal sealed record ArrayLiteralNode(IReadOnlyList<Node> Items, int Line) : Node(Line);

internal sealed record TupleLiteralNode(IReadOnlyList<Node> Items, int Line) : Node(Line);

internal sealed record ObjectLiteralNode(IReadOnlyList<(Node Key, Node Value)> Entries, int Line) : Node(Line);

internal sealed record IdentifierNode(string Name, int Line) : Node(Line);

internal sealed record MemberNode(Node Object, Node Property, bool Computed, int Line) : Node(Line);

internal sealed record SliceNode(Node? Start, Node? Stop, Node? Step, int Line) : Node(Line);

internal sealed record CallNode(Node Callee, IReadOnlyList<Node> Arguments, int Line) : Node(Line);

internal sealed record KeywordArgumentNode(IdentifierNode Key, Node Value, int Line) : Node(Line);

internal sealed record SpreadNode(Node Argument, int Line) : Node(Line);

internal sealed record KeywordSpreadNode(Node Argument, int Line) : Node(Line);

internal sealed record BinaryNode(string Operator, Node Left, Node Right, int Line) : Node(Line);

internal sealed record UnaryNode(string Operator, Node Argument, int Line) : Node(Line);

/// <summary><c>operand | filter</c>; Filter is an <see cref="IdentifierNode"/> or a <see cref="CallNode"/>.</summary>
internal sealed record FilterNode(Node Operand, Node Filter, int Line) : Node(Line);

internal sealed record TestNode(Node Operand, bool Negate, IdentifierNode Test, int Line) : Node(Line);

/// <summary><c>a if test</c> without else: undefined when the test fails; a filtered loop's iterable.</summary>
internal sealed record SelectNode(Node Value, Node Test, int Line) : Node(Line);

internal sealed record TernaryNode(Node Condition, Node WhenTrue, Node WhenFalse, int Line) : Node(Line);
