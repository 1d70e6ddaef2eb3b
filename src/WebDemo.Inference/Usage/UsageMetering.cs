using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;

namespace WebDemo.Inference.Usage;

/// <summary>
/// What the tasks need of usage accounting: a meter per call that hands its <see cref="UsageRecord"/>
/// to every <see cref="IUsageRecorder"/>, priced from the catalogue, and the operator's
/// <see cref="ICloudBudget"/>. Without recorders nothing is recorded; without a budget nothing is refused.
/// </summary>
internal sealed class UsageMetering(
    IEnumerable<IUsageRecorder> recorders,
    IModelCatalogue catalogue,
    ILogger<UsageMetering>? logger = null,
    ICloudBudget? budget = null,
    TimeProvider? time = null)
{
    private readonly IReadOnlyList<IUsageRecorder> _recorders = recorders.ToList();
    private readonly ILogger _logger = logger ?? NullLogger<UsageMetering>.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Null while cloud calls may run; otherwise the budget's refusal in words.</summary>
    public string? BudgetRefusal => budget?.Refusal;

    /// <summary>A meter for a call starting now, for the caller of the current flow (<see cref="UsageContext"/>).</summary>
    public CallMeter Start(string task) => new(this, task, UsageContext.Current, _time);

    /// <summary>
    /// The estimated price of a call: nothing for the local model; for a Hugging Face Inference
    /// Provider, its tokens at the catalogue's prices; null where that cannot be said (no price
    /// listed, nothing counted in tokens, or an operator's own server).
    /// </summary>
    public decimal? EstimateCost(string provider, string model, int tokensIn, int tokensOut, bool isLocal, bool isCloud)
    {
        if (isLocal)
            return 0m;
        if (!isCloud || (tokensIn == 0 && tokensOut == 0) || catalogue.Cached.Offer(model, provider) is not { } offer)
            return null;
        if ((tokensIn > 0 && offer.InputUsdPerMillionTokens is null) || (tokensOut > 0 && offer.OutputUsdPerMillionTokens is null))
            return null;
        return (tokensIn * (offer.InputUsdPerMillionTokens ?? 0m) + tokensOut * (offer.OutputUsdPerMillionTokens ?? 0m)) / 1_000_000m;
    }

    /// <summary>
    /// Has the catalogue read again once its cache period is over (the read is shared and never throws
    /// for the router's failures), so that the prices follow the router's without a call ever waiting on
    /// them. A cloud call asks as it starts, so the first call after start is priced when the router
    /// answers before the call ends; one that ends sooner is recorded without an estimate. Only cloud
    /// calls ask, so an app that only runs local models never reaches out for prices.
    /// </summary>
    internal void RefreshPrices()
    {
        var read = catalogue.ReadAsync(CancellationToken.None);
        if (!read.IsCompleted)
            _ = read.ContinueWith(t => _logger.LogDebug(t.Exception, "The catalogue's prices could not be read"),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    internal void Record(UsageRecord record)
    {
        foreach (var recorder in _recorders)
        {
            try
            {
                recorder.Record(record);
            }
#pragma warning disable CA1031 // Accounting must never fail the call it accounts for.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogWarning(ex, "A {Task} call's usage was not recorded", record.Task);
            }
        }
    }
}

/// <summary>
/// One call's usage as its stream goes by: the link being tried, tokens and images of its output,
/// then how it ended. <see cref="Finish"/> records it once; a call that ends neither served nor
/// failed (stopped, or its reader left) counts as cancelled.
/// </summary>
internal sealed class CallMeter(UsageMetering metering, string task, UsageCaller? caller, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private string _provider = ProviderNames.Local;
    private string _model = "";
    private bool _isLocal;
    private bool _isCloud;
    private string? _servedBy;
    private int _tokensIn;
    private int _tokensOut;
    private int _images;
    private int? _steps;
    private string _outcome = UsageOutcome.Cancelled;
    private string? _errorKind;
    private bool _finished;

    /// <summary>A link of the chain is being tried: a failure from here on is this one's.</summary>
    public void Trying(string provider, string model, bool isLocal, bool isCloud)
    {
        (_provider, _model, _isLocal, _isCloud) = (provider, model, isLocal, isCloud);
        _servedBy = null;
        if (isCloud)
            metering.RefreshPrices();
    }

    public void Item((int In, int Out) tokens, (int Images, int? Steps) images, string? servedBy)
    {
        _tokensIn += tokens.In;
        _tokensOut += tokens.Out;
        _images += images.Images;
        if (images.Steps is { } steps)
            _steps = (_steps ?? 0) + steps;
        _servedBy ??= servedBy;
    }

    /// <summary>The call is answered: recorded now, before the caller has the final update, so that what it shows next includes it.</summary>
    public void Served()
    {
        _outcome = UsageOutcome.Ok;
        Finish();
    }

    public void Failed(Exception error) => (_outcome, _errorKind) = error switch
    {
        OperationCanceledException => (UsageOutcome.Cancelled, null),
        InferenceException inference => (UsageOutcome.Failed, inference.Kind.ToString()),
        _ => (UsageOutcome.Failed, "Unexpected"),
    };

    public void Finish()
    {
        if (_finished)
            return;
        _finished = true;
        // The router may say which provider answered for it ("auto" for chat): price what answered.
        var provider = _servedBy ?? _provider;
        metering.Record(new UsageRecord(time.GetUtcNow(), caller?.Surface ?? "other", caller?.BrowserId, task, provider, _model,
            _tokensIn, _tokensOut, _images, _steps, time.GetElapsedTime(_started).TotalMilliseconds, _outcome, _errorKind,
            metering.EstimateCost(provider, _model, _tokensIn, _tokensOut, _isLocal, _isCloud), _isCloud));
    }
}
