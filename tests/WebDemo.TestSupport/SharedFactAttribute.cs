using Xunit;

namespace WebDemo.TestSupport;

/// <summary>
/// A test that needs third-party files from ../shared (the SST-2-trained model's meaning, the SST-2
/// data, real tokenizer kits, transformers.js outputs on them). Where ../shared/models is absent it
/// is reported as skipped with a one-line reason; everywhere else (CI included) it runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SharedFactAttribute : FactAttribute
{
    /// <param name="needs">What of ../shared the test needs, for the skip reason.</param>
    public SharedFactAttribute(string needs)
    {
        Needs = needs;
        if (!TestPaths.HasSharedModels)
            Skip = SkipReason(needs);
    }

    public string Needs { get; }

    /// <summary>The one-line reason a test that needs ../shared is skipped with where it is absent.</summary>
    public static string SkipReason(string needs) => $"needs ../shared ({needs}); absent here";
}

/// <summary>A <see cref="SharedFactAttribute"/> for theories: one skipped test where ../shared/models is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SharedTheoryAttribute : TheoryAttribute
{
    /// <param name="needs">What of ../shared the test needs, for the skip reason.</param>
    public SharedTheoryAttribute(string needs)
    {
        Needs = needs;
        if (!TestPaths.HasSharedModels)
            Skip = SharedFactAttribute.SkipReason(needs);
    }

    public string Needs { get; }
}
