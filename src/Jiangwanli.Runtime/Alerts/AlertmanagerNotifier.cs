using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Jiangwanli.Runtime.Alerts;

/// <summary>
/// Sends alert batches to Alertmanager from one background loop, so that evaluation never waits on
/// the network. The queue is bounded (oldest batches dropped first); failures go to the observer
/// and the <c>jiangwanli.runtime.alertmanager.posts</c> counter (tag <c>outcome</c>).
/// </summary>
internal sealed class AlertmanagerNotifier : IAsyncDisposable
{
    private readonly AlertmanagerClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly RuntimeObserver _observer;
    private readonly Counter<long> _posts;
    private readonly Channel<RuntimeAlert[]> _queue = Channel.CreateBounded<RuntimeAlert[]>(
        new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public AlertmanagerNotifier(AlertmanagerOptions options, TimeProvider timeProvider, RuntimeObserver observer, Meter meter)
    {
        _client = new AlertmanagerClient(options);
        _timeProvider = timeProvider;
        _observer = observer;
        _posts = meter.CreateCounter<long>(
            "jiangwanli.runtime.alertmanager.posts", "{request}", "Alert batches posted to Alertmanager, by outcome.");
        _loop = Task.Run(RunAsync);
    }

    public void Enqueue(RuntimeAlert[] batch)
    {
        if (batch.Length > 0)
        {
            _queue.Writer.TryWrite(batch);
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var batch in _queue.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                string outcome;
                try
                {
                    outcome = await _client.PostAsync(batch, _timeProvider.GetUtcNow(), _stopping.Token).ConfigureAwait(false)
                        ? "ok"
                        : "rejected";
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    outcome = "error";
                    _observer.SafeError("alertmanager", ex);
                }

                _posts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Sends what is queued (bounded by the post timeout), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(5), _timeProvider)).ConfigureAwait(false) != _loop)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
        _client.Dispose();
    }
}
