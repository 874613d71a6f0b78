using System.Collections.Concurrent;
using System.Security.Cryptography;
using Shangding.Core.Intake;

namespace Shangding.Web.Portal;

/// <summary>
/// Web uploads (批量上传) imported in the background. The upload request spools the file, starts its import here and
/// waits a few seconds (<c>Intake:UploadWaitSeconds</c>, default 5): a file done by then is answered with its result as
/// before; a bigger one (a million rows takes 25–50 s) sends the clerk to its batch page, which shows the rows
/// processed so far and can cancel the import. An import no longer depends on the clerk's request: closing the page
/// does not stop it. When the app stops, running imports are cancelled and waited for, so their batches say they
/// were cancelled and keep nothing (a process that dies instead leaves them to <c>SweepInterruptedAsync</c>).
/// <para>
/// Files of <see cref="BigFileBytes"/> or more import at most <c>Intake:MaxConcurrentUploads</c> (2; 1 on SQLite) at a time: a
/// 1M-row import peaks at about 500 MB. Another big file waits in line, first come first served, with a page of its own
/// (<c>/unit/uploads/{id}</c>: its place, a cancel), up to <c>Intake:MaxQueuedUploads</c> (20) files; past that it is
/// refused with a message. A reporting deadline brings many units' monthly files at once, and a clerk would rather
/// wait in line than be told to come back. On SQLite (<c>Intake:SmallUploadsWaitForBig</c>) a smaller file that comes
/// while big ones import or wait joins the same line, rather than wait for the write lock they take in turn. The line is in memory: files waiting in it when the app stops are not
/// imported, and their page then says to upload again; spooled files a dead process left are removed at the next start.
/// </para>
/// </summary>
public sealed class UploadJobs(FileImport import, IConfiguration configuration, Shangding.Core.Data.DatabaseSettings database, ILogger<UploadJobs> logger)
    : IHostedService, IDisposable
{
    /// <summary>Files from this size on take one of the <c>Intake:MaxConcurrentUploads</c> slots (a 1M-row import peaks at about 500 MB).</summary>
    public const long BigFileBytes = 10L << 20;

    /// <summary>How long a finished upload's page still finds it (to send the clerk on to its batch).</summary>
    private static readonly TimeSpan KeptAfterEnd = TimeSpan.FromMinutes(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, UploadJob> _byBatch = new();
    // Every upload from its start to half an hour after its end: those not ended yet are the running ones.
    private readonly ConcurrentDictionary<string, UploadJob> _byId = new(StringComparer.Ordinal);
    // On SQLite one: its imports take the database's write lock in turn, so a second would only wait for it, holding its
    // memory, with its clerk's request waiting for its batch row (measured: answered after 26 s instead of 4 in line).
    private readonly int _maxBig = Math.Max(1, configuration.GetValue<int?>("Intake:MaxConcurrentUploads")
        ?? (database.Provider == Shangding.Core.Data.DatabaseProvider.Sqlite ? 1 : 2));
    private readonly int _maxQueued = Math.Max(0, configuration.GetValue("Intake:MaxQueuedUploads", 20));
    // On SQLite a small file that comes while a big one imports would only wait for the write lock, up to SQLite's 30 s
    // busy wait and then fail; in line it waits its turn like the big ones, however long the imports before it take.
    private readonly bool _smallWaitForBig = configuration.GetValue<bool?>("Intake:SmallUploadsWaitForBig")
        ?? database.Provider == Shangding.Core.Data.DatabaseProvider.Sqlite;

    // The big files' slots and their line, under _line's lock.
    private readonly LinkedList<UploadJob> _line = new();
    private int _big;

    /// <summary>For tests: called on the import's reading thread after each progress report (e.g. to hold an import there).</summary>
    internal Action<UploadJob>? ProgressHook { get; set; }

    /// <summary>
    /// Starts importing the spooled file at <paramref name="path"/>, which the job then owns and deletes when done; a big
    /// file while the big files' slots are taken waits in line (<see cref="PlaceOf"/>). Refuses (null, and the
    /// reason's text key) while the app is stopping or when the line is full; the caller then still owns the file.
    /// </summary>
    public UploadJob? TryStart(string path, string fileName, string unitCode, string categoryCode, string actor, out string? refusal)
    {
        CancellationTokenSource cancel;
        try
        {
            cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        }
        catch (ObjectDisposedException)
        {
            refusal = "upload.stopping";
            return null;
        }

        if (_stopping.IsCancellationRequested)
        {
            cancel.Dispose();
            refusal = "upload.stopping";
            return null;
        }

        var job = new UploadJob(unitCode, fileName, cancel);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        job.Go = go;
        // Decided under the lock: once in line, the job may be handed a slot (PassSlotOn) at any moment after it.
        var queued = false;
        if (new FileInfo(path).Length >= BigFileBytes)
        {
            lock (_line)
            {
                if (_big < _maxBig)
                {
                    _big++;
                    job.HoldsSlot = true;
                }
                else if (_line.Count < _maxQueued)
                {
                    job.InLine = _line.AddLast(job);
                    queued = true;
                }
                else
                {
                    job.DisposeToken();
                    refusal = "upload.busy";
                    return null;
                }
            }
        }
        else if (_smallWaitForBig)
        {
            lock (_line)
            {
                // Behind the big files (those importing and those waiting), first come first served; its turn come, it
                // holds a slot until it ends, as they do. With the line full it goes ahead and waits for the database.
                if (_big >= _maxBig && _line.Count < _maxQueued)
                {
                    job.InLine = _line.AddLast(job);
                    queued = true;
                }
            }
        }

        // RunAsync yields before it does anything, so the job is found (with its Completion, for StopAsync to wait for)
        // before its import starts; it is forgotten half an hour after it ends.
        job.Completion = RunAsync(job, go.Task, path, categoryCode, actor);
        _byId[job.Id] = job;
        // Observed here: after the clerk has been sent to the batch page nobody awaits it, and a failure is logged below.
        _ = job.Completion.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        if (queued)
        {
            // A cancel (the clerk's, or the app stopping) takes a waiting file out of the line.
            job.Token.Register(() => Leave(job));
        }
        else
        {
            go.SetResult();
        }

        refusal = null;
        return job;
    }

    /// <summary>The running import of a batch of the unit, if this process runs it.</summary>
    public UploadJob? Find(long batchId, string unitCode) =>
        _byBatch.TryGetValue(batchId, out var job) && job.UnitCode == unitCode ? job : null;

    /// <summary>An upload of the unit by its id (waiting in line, running, or ended in the last half hour), if this process has it.</summary>
    public UploadJob? FindUpload(string id, string unitCode) =>
        _byId.TryGetValue(id, out var job) && job.UnitCode == unitCode ? job : null;

    /// <summary>1 for the first file waiting for a big file's slot, 2 for the next…; null once it is not waiting.</summary>
    internal int? PlaceOf(UploadJob job)
    {
        lock (_line)
        {
            if (job.InLine is null)
            {
                return null;
            }

            var place = 1;
            for (var node = _line.First; node is not null && node != job.InLine; node = node.Next)
            {
                place++;
            }

            return place;
        }
    }

    private void Leave(UploadJob job)
    {
        bool left;
        lock (_line)
        {
            left = job.InLine is not null;
            if (left)
            {
                _line.Remove(job.InLine!);
                job.InLine = null;
            }
        }

        if (left)
        {
            job.Go!.TrySetCanceled(job.Token);
        }
    }

    /// <summary>A big file's import has ended: its slot goes to the first file in line, if any.</summary>
    private void PassSlotOn()
    {
        UploadJob? next = null;
        lock (_line)
        {
            if (_line.First is { } first)
            {
                next = first.Value;
                _line.RemoveFirst();
                next.InLine = null;
                next.HoldsSlot = true;
            }
            else
            {
                _big--;
            }
        }

        next?.Go!.TrySetResult();
    }

    private async Task<BatchResult> RunAsync(UploadJob job, Task go, string path, string categoryCode, string actor)
    {
        try
        {
            await go.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            await using var stream = File.OpenRead(path);
            return await import.RunAsync(stream, job.FileName, job.UnitCode, categoryCode, actor,
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
            // A job that ended before its batch row was written (a refused file, a cancel in line) has no batch to send the clerk to.
            job.SetStarted(0);
            _byBatch.TryRemove(job.BatchId, out _);
            job.DisposeToken();
            if (job.HoldsSlot)
            {
                PassSlotOn();
            }

            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "A spooled upload could not be removed; the app removes it at a later start");
            }

            _ = ForgetLaterAsync(job);
        }
    }

    private async Task ForgetLaterAsync(UploadJob job)
    {
        try
        {
            await Task.Delay(KeptAfterEnd, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping: forgotten with the process.
        }
        catch (ObjectDisposedException)
        {
        }

        _byId.TryRemove(job.Id, out _);
    }

    /// <summary>The name pattern of spooled uploads in the temporary folder (<see cref="SpoolPath"/>).</summary>
    private const string SpoolPrefix = "shangding-upload-";

    /// <summary>Where the upload page spools a file before handing it to <see cref="TryStart"/>.</summary>
    public static string SpoolPath() => Path.Combine(Path.GetTempPath(), $"{SpoolPrefix}{Guid.NewGuid():N}");

    /// <summary>
    /// Removes spooled uploads a process that died (or was killed) left behind: those a day old, far older than any
    /// upload still waiting or importing (20 files in line at under a minute each), in this or another process.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var before = DateTime.UtcNow.AddDays(-1);
        var removed = 0;
        foreach (var file in new DirectoryInfo(Path.GetTempPath()).EnumerateFiles(SpoolPrefix + "*"))
        {
            try
            {
                if (file.LastWriteTimeUtc < before)
                {
                    file.Delete();
                    removed++;
                }
            }
            catch (IOException)
            {
                // In use or gone meanwhile: the next start looks again.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's: theirs to remove.
            }
        }

        if (removed > 0)
        {
            logger.LogInformation("Removed {Count} spooled upload(s) left by an earlier process", removed);
        }

        return Task.CompletedTask;
    }

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

        var running = _byId.Values.Select(j => j.Completion).Where(t => !t.IsCompleted).ToArray();
        try
        {
            // Each import sees the cancel at its next chunk of rows and rolls back; its batch then says it was cancelled.
            // Files waiting in line leave it without being read.
            await Task.WhenAll(running).WaitAsync(cancellationToken);
        }
        catch (Exception) when (running.All(t => t.IsCompleted) || cancellationToken.IsCancellationRequested)
        {
            // Cancelled and failed imports have said so on their batches and in the log.
        }
    }

    public void Dispose() => _stopping.Dispose();
}

/// <summary>One web upload's import: its place in line, its progress as it reads, and a way to cancel it.</summary>
public sealed class UploadJob
{
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _rows;
    private int _percent = -1;

    internal UploadJob(string unitCode, string fileName, CancellationTokenSource cancel)
    {
        UnitCode = unitCode;
        FileName = fileName;
        _cancel = cancel;
        Token = cancel.Token;
    }

    /// <summary>The upload's id in its page's address: random, so one clerk cannot guess another's.</summary>
    public string Id { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public string UnitCode { get; }

    public string FileName { get; }

    public long BatchId { get; internal set; }

    /// <summary>The import's result; faulted if the import failed, cancelled if it was cancelled.</summary>
    public Task<BatchResult> Completion { get; internal set; } = null!;

    /// <summary>The id of the batch's Running row once it is written, or 0 if the import ended before (a refused file, a cancel in line).</summary>
    public Task<long> Started => _started.Task;

    /// <summary>Waiting for a big file's slot.</summary>
    public bool Waiting => InLine is not null;

    internal CancellationToken Token { get; }

    internal TaskCompletionSource? Go { get; set; }

    internal LinkedListNode<UploadJob>? InLine { get; set; }

    internal bool HoldsSlot { get; set; }

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

    /// <summary>Asks the import to stop: it rolls back, and its batch says it was cancelled and stored nothing; a file waiting in line leaves it.</summary>
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
