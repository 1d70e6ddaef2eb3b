namespace WebDemo.Features.Flagging;

/// <summary>Flagging's limits and caps (section "Flags"); the oldest flags go first when a cap is reached.</summary>
public sealed class FlagOptions
{
    public const string Section = "Flags";

    /// <summary>The longest comment, in characters (UTF-16 code units, as a browser's maxlength counts).</summary>
    public int MaxCommentCharacters { get; set; } = 2_000;

    /// <summary>Flags kept at most.</summary>
    public int MaxCount { get; set; } = 10_000;

    /// <summary>Flags older than this are deleted.</summary>
    public int MaxAgeDays { get; set; } = 90;

    /// <summary>The most the flags' texts may take together, in MiB.</summary>
    public int MaxMegabytes { get; set; } = 256;

    public long MaxBytes => MaxMegabytes * 1024L * 1024L;
}
