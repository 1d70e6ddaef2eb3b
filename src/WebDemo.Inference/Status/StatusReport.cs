namespace WebDemo.Inference.Status;

/// <summary>
/// A part of the app that tells the Status page how it is doing (the local runtime, the cloud
/// providers, ...). The page shows every contributor's sections by their order; it knows none of them.
/// </summary>
public interface IStatusContributor
{
    IReadOnlyList<StatusSection> Describe();
}

public enum StatusTone { Neutral, Good, Info, Warning, Bad }

/// <summary>A label in a coloured chip.</summary>
public sealed record StatusChip(string Text, StatusTone Tone = StatusTone.Neutral);

/// <summary>One card of the Status page.</summary>
/// <param name="Id">A stable id (the page's data-testid).</param>
/// <param name="Order">Where the card goes among all contributors' cards: lower first.</param>
/// <param name="Wide">Whether the card takes the whole width (tables).</param>
public sealed record StatusSection(int Order, string Title, string Id, IReadOnlyList<StatusLine> Lines, StatusTable? Table = null, bool Wide = false);

/// <summary>A line of text, with chips after it and a smaller caption below. Text in `backticks` is shown as code.</summary>
public sealed record StatusLine(string Text, IReadOnlyList<StatusChip>? Chips = null, string? Caption = null, string? Id = null, string? After = null);

public sealed record StatusTable(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<StatusCell>> Rows, string? Id = null, string? Empty = null);

/// <summary>A table cell: lines of text, an optional chip, an optional error, an optional note after the chip.</summary>
public sealed record StatusCell(IReadOnlyList<string> Lines, StatusChip? Chip = null, string? Error = null, string? Note = null)
{
    public static implicit operator StatusCell(string text) => new([text]);
}
