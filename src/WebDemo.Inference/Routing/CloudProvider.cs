namespace WebDemo.Inference.Routing;

/// <summary>A provider that serves a model, and the model's id there.</summary>
public sealed record CloudProvider(string Name, string ProviderModelId);
