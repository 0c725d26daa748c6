using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Api;

/// <summary>
/// Runs CPU-heavy model calls (search, sweep, budget) off the request thread, at most
/// <see cref="ApiOptions.EffectiveConcurrency"/> at once, each within <see cref="ApiOptions.ComputeTimeout"/>.
/// A call that runs out of time is abandoned: the request gets 503 at once, and the slot stays taken until the
/// computation finishes, so abandoned work cannot pile up beyond the concurrency limit.
/// </summary>
public sealed class ComputeGate(IOptions<ApiOptions> options)
{
    // Never disposed: abandoned computations release their slot after the app may have stopped.
    private readonly SemaphoreSlim _slots = new(options.Value.EffectiveConcurrency, options.Value.EffectiveConcurrency);

    /// <summary>The configured timeout.</summary>
    public TimeSpan Timeout => options.Value.ComputeTimeout;

    /// <summary>
    /// Runs <paramref name="work"/>; returns (true, result), or (false, default) when the timeout passed first. A
    /// cancelled <paramref name="requestAborted"/> (the client went away) throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<(bool Completed, T? Result)> RunAsync<T>(Func<T> work, CancellationToken requestAborted)
    {
        ArgumentNullException.ThrowIfNull(work);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(Timeout);
        try
        {
            await _slots.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            return (false, default);
        }
        Task<T> task;
        try
        {
            // A thread of its own: a long computation does not hold a thread-pool thread that requests need.
            task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        _ = task.ContinueWith(static (_, state) => ((SemaphoreSlim)state!).Release(), _slots,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var result = await task.WaitAsync(deadline.Token);
            // The timer runs on the thread pool and can fire late when the pool is busy: the limit is the limit.
            return clock.Elapsed > Timeout ? (false, default) : (true, result);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            return (false, default);
        }
    }
}
