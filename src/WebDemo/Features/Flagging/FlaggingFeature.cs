using WebDemo.Api;
using WebDemo.Data;

namespace WebDemo.Features.Flagging;

public static class FlaggingFeature
{
    /// <summary>
    /// Flagging: a visitor flags a result with a comment (<c>FlagButton</c> on a task page), the
    /// flag is kept in the app database, and the operator lists or exports the flags.
    /// </summary>
    public static IServiceCollection AddFlaggingFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAppDatabase(configuration);
        services.AddOptions<FlagOptions>().Bind(configuration.GetSection(FlagOptions.Section))
            .Validate(o => o.MaxCommentCharacters > 0 && o.MaxCount > 0 && o.MaxAgeDays > 0 && o.MaxMegabytes > 0,
                "Flags:MaxCommentCharacters, MaxCount, MaxAgeDays and MaxMegabytes must be positive.")
            .ValidateOnStart();
        services.AddSingleton<FlagStore>();
        services.AddEndpoints(FlagsOperatorApi.Map);
        return services;
    }
}
