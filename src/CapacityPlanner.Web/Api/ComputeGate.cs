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
        // Not disposed here: the work may still read the token after the request has returned 503.
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(Timeout);
        try
        {
            await _slots.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            deadline.Dispose();
            return (false, default);
        }
        catch
        {
            deadline.Dispose();
            throw;
        }
        Task<T> task;
        try
        {
            // A thread of its own: a long computation does not hold a thread-pool thread that requests need.
            var token = deadline.Token;
            task = Task.Factory.StartNew(() => work(token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch
        {
            _slots.Release();
            deadline.Dispose();
            throw;
        }
        _ = task.ContinueWith(static (t, state) =>
        {
            var (slots, cts) = ((SemaphoreSlim, CancellationTokenSource))state!;
            slots.Release();
            cts.Dispose();
            _ = t.Exception;            // observed: a cancelled or failed abandoned computation is not an unobserved exception
        }, (_slots, deadline), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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
