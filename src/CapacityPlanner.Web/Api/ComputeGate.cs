using Microsoft.Extensions.Options;

namespace CapacityPlanner.Web.Api;

/// <summary>
/// Runs CPU-heavy model calls (search, sweep, budget) off the request thread, at most
/// <see cref="ApiOptions.EffectiveConcurrency"/> at once, each within <see cref="ApiOptions.ComputeTimeout"/>.
/// A call that runs out of time is abandoned: the request gets 503 at once and the work's cancellation token fires, so
/// the model stops at its next check (Core's search checks once per TP×CP×PP triple); the slot stays taken until the
/// work has stopped, so abandoned work cannot pile up beyond the concurrency limit.
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
    public Task<(bool Completed, T? Result)> RunAsync<T>(Func<T> work, CancellationToken requestAborted)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(_ => work(), requestAborted);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a token that is cancelled when the timeout passes or the client goes away;
    /// the work should stop at its next check (an <see cref="OperationCanceledException"/> it throws is expected).
    /// </summary>
    public async Task<(bool Completed, T? Result)> RunAsync<T>(Func<CancellationToken, T> work, CancellationToken requestAborted)
    {
        ArgumentNullException.ThrowIfNull(work);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Disposed when this call returns: by then the work has finished or the token is cancelled, and a cancelled
        // token keeps reporting IsCancellationRequested to the work after its source is disposed.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(Timeout);
        var token = deadline.Token;
        try
        {
            await _slots.WaitAsync(token);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            return (false, default);
        }
        Task<T> task;
        try
        {
            // A thread of its own: a long computation does not hold a thread-pool thread that requests need.
            task = Task.Factory.StartNew(() => work(token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        _ = task.ContinueWith(static (t, state) =>
        {
            ((SemaphoreSlim)state!).Release();
            _ = t.Exception;            // observed: a cancelled or failed abandoned computation is not an unobserved exception
        }, _slots, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var result = await task.WaitAsync(token);
            // The timer runs on the thread pool and can fire late when the pool is busy: the limit is the limit.
            return clock.Elapsed > Timeout ? (false, default) : (true, result);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            return (false, default);
        }
    }
}
