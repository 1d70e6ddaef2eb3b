using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Data;
using WebDemo.Features.Flagging;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.TestSupport;
using WebDemo.Tests.Data;

namespace WebDemo.Tests.Features.Flagging;

public sealed class FlagStoreTests : IDisposable
{
    private readonly TempAppData _data = new();
    private ManualClock Clock => _data.Clock;

    public void Dispose() => _data.Dispose();

    private FlagStore Store(params (string Key, string Value)[] settings) => Services(_data.Folder, settings).GetRequiredService<FlagStore>();

    private ServiceProvider Services(string folder, params (string Key, string Value)[] settings) =>
        _data.Services(folder, (services, configuration) => services.AddFlaggingFeature(configuration), settings);

    internal static readonly Provenance Served = new("local", "org/sentiment", "CPU", 3.5, 12.25, [new Attempt("local", "ok", 12)]);

    internal static FlagSubmission Submission(string comment = "wrong label", string text = "what a joy", string? browserId = "AAAAAAAAAAAAAAAAAAAAAA") =>
        new("text-classification", new TextClassificationRequest([text], Provider: "local"),
            new[] { new ClassifiedText(0, text, [new LabelScore("NEGATIVE", 0.9), new LabelScore("POSITIVE", 0.1)], false, 5) },
            Served, comment, browserId);

    [Fact]
    public async Task A_flag_round_trips_with_its_inputs_output_and_provenance()
    {
        var store = Store();

        var added = await store.AddAsync(Submission());
        var flag = Assert.Single(await store.ListAsync(10));

        Assert.Equal(added.Id, flag.Id);
        Assert.Equal(Clock.GetUtcNow().UtcDateTime, flag.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, flag.CreatedAt.Kind);
        Assert.Equal(("text-classification", "org/sentiment", "wrong label", "AAAAAAAAAAAAAAAAAAAAAA"), (flag.Task, flag.Model, flag.Comment, flag.BrowserId));
        using var inputs = JsonDocument.Parse(flag.Inputs);
        Assert.Equal("what a joy", inputs.RootElement.GetProperty("inputs")[0].GetString());
        Assert.Equal("local", inputs.RootElement.GetProperty("provider").GetString());
        using var output = JsonDocument.Parse(flag.Output);
        Assert.Equal("NEGATIVE", output.RootElement[0].GetProperty("labels")[0].GetProperty("label").GetString());
        var provenance = JsonSerializer.Deserialize<Provenance>(flag.Provenance!, JsonSerializerOptions.Web);
        Assert.Equal(Served with { Attempts = provenance!.Attempts }, provenance);
        Assert.Equal(Served.Attempts, provenance.Attempts);
        Assert.Equal(1, await store.CountAsync());
    }

    [Fact]
    public async Task The_database_and_its_folder_are_created_and_the_schema_is_current()
    {
        var services = Services(Path.Combine(_data.Root, "nested", "data"));

        await services.GetRequiredService<AppDatabaseSchema>().EnsureAsync();

        Assert.True(File.Exists(Path.Combine(_data.Root, "nested", "data", AppDataLocation.FileName)));
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDatabase>>().CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        // A table or column changed without a migration (scripts/add-migration.sh) would show here.
        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public async Task Past_the_count_cap_the_oldest_go()
    {
        var store = Store(("Flags:MaxCount", "3"));

        for (var i = 1; i <= 5; i++)
            await store.AddAsync(Submission($"flag {i}"));

        Assert.Equal(["flag 5", "flag 4", "flag 3"], (await store.ListAsync(10)).Select(f => f.Comment));
    }

    [Fact]
    public async Task Past_the_age_cap_flags_go_on_the_next_write()
    {
        var store = Store(("Flags:MaxAgeDays", "30"));
        await store.AddAsync(Submission("old"));
        Clock.Advance(TimeSpan.FromDays(20));
        await store.AddAsync(Submission("middle"));
        Clock.Advance(TimeSpan.FromDays(15));

        await store.AddAsync(Submission("new"));

        Assert.Equal(["new", "middle"], (await store.ListAsync(10)).Select(f => f.Comment));
    }

    [Fact]
    public async Task Past_the_size_cap_the_oldest_go_and_a_flag_larger_than_the_cap_is_refused_in_words()
    {
        var store = Store(("Flags:MaxMegabytes", "1"));
        var text = new string('x', 250_000); // about 500 kB a flag: the text is in the inputs and the output

        for (var i = 1; i <= 3; i++)
            await store.AddAsync(Submission($"big {i}", text));
        var refused = await Assert.ThrowsAsync<FlagRejectedException>(() => store.AddAsync(Submission("huge", new string('y', 600_000))));

        Assert.Equal(["big 3", "big 2"], (await store.ListAsync(10)).Select(f => f.Comment));
        Assert.StartsWith("This result is too large to flag", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Emoji_right_to_left_text_and_a_20000_character_input_survive()
    {
        var store = Store();
        var comment = "👍🏽 نص عربي مع emoji 🎉 and עברית";
        var input = string.Concat(Enumerable.Repeat("héllo 😀 שלום ", 1_500))[..20_000];

        var id = (await store.AddAsync(Submission(comment, input))).Id;
        var flag = Assert.Single(await store.ListAsync(1));

        Assert.Equal(id, flag.Id);
        Assert.Equal(comment, flag.Comment);
        using var inputs = JsonDocument.Parse(flag.Inputs);
        Assert.Equal(input, inputs.RootElement.GetProperty("inputs")[0].GetString());
        Assert.Contains("héllo", flag.Inputs, StringComparison.Ordinal); // stored readable, not \u-escaped
    }

    [Fact]
    public async Task A_lone_surrogate_becomes_a_replacement_character_not_an_error()
    {
        var store = Store();

        await store.AddAsync(Submission("half an emoji: \ud83d!", "cut \ude00 here"));
        var flag = Assert.Single(await store.ListAsync(1));

        Assert.Equal("half an emoji: \ufffd!", flag.Comment);
        using var inputs = JsonDocument.Parse(flag.Inputs);
        Assert.Equal("cut \ufffd here", inputs.RootElement.GetProperty("inputs")[0].GetString());
    }

    [Fact]
    public async Task A_comment_over_the_limit_is_refused_in_words_and_nothing_is_stored()
    {
        var store = Store();

        var refused = await Assert.ThrowsAsync<FlagRejectedException>(() => store.AddAsync(Submission(new string('a', 2_001))));

        Assert.Equal("The comment is 2,001 characters long; at most 2,000 are kept.", refused.Message);
        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_made_is_a_clear_error()
    {
        var file = Path.Combine(_data.Root, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        var store = Services(Path.Combine(file, "data")).GetRequiredService<FlagStore>();

        var error = await Assert.ThrowsAsync<DataUnavailableException>(() => store.AddAsync(Submission()));

        Assert.StartsWith($"The app's database ({Path.Combine(file, "data", AppDataLocation.FileName)}) cannot be used:", error.Message, StringComparison.Ordinal);
    }
}
