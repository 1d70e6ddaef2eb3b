using Microsoft.Extensions.DependencyInjection;

namespace WebDemo.Inference.Tasks;

public static class TaskRegistration
{
    /// <summary>
    /// Registers a task once, both as its typed contract (for the pages, the hub and the API)
    /// and in the list of every task (for model lists and dispatch by model).
    /// </summary>
    internal static IServiceCollection AddInferenceTask<TRequest, TItem, TTask>(this IServiceCollection services)
        where TRequest : ITaskRequest
        where TTask : class, IInferenceTask<TRequest, TItem>
    {
        services.AddSingleton<TTask>();
        services.AddSingleton<IInferenceTask<TRequest, TItem>>(sp => sp.GetRequiredService<TTask>());
        services.AddSingleton<IInferenceTask>(sp => sp.GetRequiredService<TTask>());
        return services;
    }
}
