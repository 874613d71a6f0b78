using System.Collections.Concurrent;
using Shangding.Core.Intake;

namespace Shangding.Web.Portal;

/// <summary>
/// Web uploads (批量上传) imported in the background. The upload request spools the file, starts its import here and
/// waits a few seconds (<c>Intake:UploadWaitSeconds</c>, default 5): a file done by then is answered with its result as
/// before; a bigger one (a million rows takes 25–50 s) sends the clerk to its batch page, which shows the rows
/// processed so far and can cancel the import. An import no longer depends on the clerk's request: closing the page
/// does not stop it. When the app stops, running imports are cancelled and waited for, so their batches say they
/// were cancelled and keep nothing (a process that dies instead leaves them to <c>SweepInterruptedAsync</c>).
/// </summary>
public sealed class UploadJobs(FileImport import, IConfiguration configuration, ILogger<UploadJobs> logger) : IHostedService, IDisposable
{
    /// <summary>Files from this size on take one of the <c>Intake:MaxConcurrentUploads</c> slots (a 1M-row import peaks at about 500 MB).</summary>
    public const long BigFileBytes = 10L << 20;

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<UploadJob, byte> _running = new();
    private readonly ConcurrentDictionary<long, UploadJob> _byBatch = new();
    private readonly int _maxBig = Math.Max(1, configuration.GetValue("Intake:MaxConcurrentUploads", 2));
    private int _big;

    /// <summary>For tests: called on the import's reading thread after each progress report (e.g. to hold an import there).</summary>
    internal Action<UploadJob>? ProgressHook { get; set; }

    /// <summary>
    /// Starts importing the spooled file at <paramref name="path"/>, which the job then owns and deletes when done.
    /// Refuses (null, and the reason's text key) while the app is stopping, or when a big file would exceed
    /// <c>Intake:MaxConcurrentUploads</c> big imports at once; the caller then still owns the file.
    /// </summary>
    public UploadJob? TryStart(string path, string fileName, string unitCode, string categoryCode, string actor, out string? refusal)
    {
        if (_stopping.IsCancellationRequested)
        {
            refusal = "upload.stopping";
            return null;
        }

        var big = new FileInfo(path).Length >= BigFileBytes;
        if (big && Interlocked.Increment(ref _big) > _maxBig)
        {
            Interlocked.Decrement(ref _big);
            refusal = "upload.busy";
            return null;
        }

        // Registered before it runs, and runs only once its Completion is set, so StopAsync always waits for it.
        var job = new UploadJob(unitCode, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        job.Completion = RunAsync(job, go.Task, path, fileName, categoryCode, actor, big);
        // Observed here: after the clerk has been sent to the batch page nobody awaits it, and a failure is logged below.
        _ = job.Completion.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _running[job] = 0;
        go.SetResult();
        refusal = null;
        return job;
    }

    /// <summary>The running import of a batch of the unit, if this process runs it.</summary>
    public UploadJob? Find(long batchId, string unitCode) =>
        _byBatch.TryGetValue(batchId, out var job) && job.UnitCode == unitCode ? job : null;

    private async Task<BatchResult> RunAsync(UploadJob job, Task go, string path, string fileName, string categoryCode, string actor, bool big)
    {
        await go.ConfigureAwait(false);
        try
        {
            await using var stream = File.OpenRead(path);
            return await import.RunAsync(stream, fileName, job.UnitCode, categoryCode, actor,
                (rows, share) =>
                {
                    job.Report(rows, share);
                    ProgressHook?.Invoke(job);
                }, job.Token, batchId =>
                {
                    job.BatchId = batchId;
                    _byBatch[batchId] = job;
                    job.SetStarted(batchId);
                });
        }
        catch (OperationCanceledException) when (job.Token.IsCancellationRequested)
        {
            logger.LogInformation("Upload to batch {BatchId} of unit {Unit} was cancelled", job.BatchId, job.UnitCode);
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Upload to batch {BatchId} of unit {Unit} failed", job.BatchId, job.UnitCode);
            throw;
        }
        finally
        {
            // A job that ended before its batch row was written (a refused file) has nothing to send the clerk to.
            job.SetStarted(0);
            _byBatch.TryRemove(job.BatchId, out _);
            _running.TryRemove(job, out _);
            job.DisposeToken();
            File.Delete(path);
            if (big)
            {
                Interlocked.Decrement(ref _big);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stopping.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // Stopped and disposed already: a host may be stopped twice (a test server's factory stops it on dispose).
            return;
        }

        var running = _running.Keys.Select(j => j.Completion).ToArray();
        try
        {
            // Each import sees the cancel at its next chunk of rows and rolls back; its batch then says it was cancelled.
            await Task.WhenAll(running).WaitAsync(cancellationToken);
        }
        catch (Exception) when (running.All(t => t.IsCompleted) || cancellationToken.IsCancellationRequested)
        {
            // Cancelled and failed imports have said so on their batches and in the log.
        }
    }

    public void Dispose() => _stopping.Dispose();
}

/// <summary>One web upload's import: its progress as it reads, and a way to cancel it.</summary>
public sealed class UploadJob
{
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _rows;
    private int _percent = -1;

    internal UploadJob(string unitCode, CancellationTokenSource cancel)
    {
        UnitCode = unitCode;
        _cancel = cancel;
        Token = cancel.Token;
    }

    public string UnitCode { get; }

    public long BatchId { get; internal set; }

    /// <summary>The import's result; faulted if the import failed, cancelled if it was cancelled.</summary>
    public Task<BatchResult> Completion { get; internal set; } = null!;

    /// <summary>The id of the batch's Running row once it is written, or 0 if the import ended before (a refused file).</summary>
    public Task<long> Started => _started.Task;

    internal CancellationToken Token { get; }

    public bool CancelRequested => Token.IsCancellationRequested;

    /// <summary>Rows read and checked so far (reported every 10,000 rows and at the end).</summary>
    public int Rows => Volatile.Read(ref _rows);

    /// <summary>How far through the file's rows the reading has got, 0 to 100, or null before the first report.</summary>
    public int? Percent => Volatile.Read(ref _percent) is >= 0 and var percent ? percent : null;

    internal void Report(int rows, double share)
    {
        Volatile.Write(ref _percent, (int)Math.Clamp(100 * share, 0, 100));
        Volatile.Write(ref _rows, rows);
    }

    internal void SetStarted(long batchId) => _started.TrySetResult(batchId);

    /// <summary>Asks the import to stop: it rolls back, and its batch says it was cancelled and stored nothing.</summary>
    public void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The import has ended.
        }
    }

    internal void DisposeToken() => _cancel.Dispose();
}
