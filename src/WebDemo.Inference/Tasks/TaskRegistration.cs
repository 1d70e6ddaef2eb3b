using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Queueing;
using WebDemo.Inference.Status;
using WebDemo.Inference.Usage;

namespace WebDemo.Inference.Tasks;

public static class TaskRegistration
{
    /// <summary>
    /// Registers a task once, both as its typed contract (for the pages, the hub and the API)
    /// and in the list of every task (for model lists and dispatch by model), with the queues
    /// that local work waits in (section "Queue").
    /// </summary>
    internal static IServiceCollection AddInferenceTask<TRequest, TItem, TTask>(this IServiceCollection services, IConfiguration configuration)
        where TRequest : ITaskRequest
        where TTask : class, IInferenceTask<TRequest, TItem>
    {
        if (!services.Any(d => d.ServiceType == typeof(TaskQueues)))
        {
            services.AddOptions<TaskQueueOptions>().Bind(configuration.GetSection(TaskQueueOptions.Section))
                .ValidateDataAnnotations()
                .Validate(o => o.Tasks.Values.All(t => t.Concurrency is null or >= 1 and <= 1024 && t.MaxWaiting is null or >= 0 and <= 100_000),
                    "Queue:Tasks: Concurrency must be 1 to 1024 and MaxWaiting 0 to 100000.")
                .ValidateOnStart();
            services.AddSingleton<TaskQueues>();
            services.AddSingleton<IStatusContributor>(sp => sp.GetRequiredService<TaskQueues>());
        }
        // The router's catalogue where the cloud registered one (before its tasks), else none.
        services.TryAddSingleton<IModelCatalogue, NoModelCatalogue>();
        // Usage accounting: records go to every IUsageRecorder the host adds (none here), priced from the catalogue.
        services.TryAddSingleton<UsageMetering>();
        services.AddSingleton<TTask>();
        services.AddSingleton<IInferenceTask<TRequest, TItem>>(sp => sp.GetRequiredService<TTask>());
        services.AddSingleton<IInferenceTask>(sp => sp.GetRequiredService<TTask>());
        return services;
    }
}
