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
/// while big ones import or wait joins the same line, rather than wait for the write lock they take in turn.
/// </para>
/// <para>
/// The line outlives the app: a file waiting in it is spooled in <c>Intake:SpoolDirectory</c> (the temporary folder
/// unless set; files readable by this user only) with a note beside it (<c>.queued.json</c>: its upload's id, unit,
/// category, clerk, file name, when it joined the line, and which app holds it). When the app stops the waiting files
/// stay; the app that starts next (or another one on the machine sharing the folder, once the holder is gone) takes
/// them back into its line in their order, under the same upload ids, so the clerk's page goes on. A file whose import
/// has begun is not taken back: its batch says it was cancelled or interrupted, and the clerk uploads it again.
/// Spooled files a day old without a note are a dead process's leftovers and are removed.
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
    private readonly string _spoolDirectory = SpoolDirectoryOf(configuration);
    // This instance in its notes' "holder" (a process may hold several apps: tests start one after another).
    private readonly string _holder = $"{BatchRunner.Current}#{Guid.NewGuid():N}";
    private static readonly ConcurrentDictionary<string, bool> LiveHolders = new(StringComparer.Ordinal);
    private Timer? _adopting;
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
    public UploadJob? TryStart(string path, string fileName, string unitCode, string categoryCode, string actor, out string? refusal) =>
        Admit(new UploadNote(null!, unitCode, categoryCode, actor, fileName, DateTime.UtcNow, _holder), path, adopted: false, out refusal);

    /// <summary>
    /// A new upload (<paramref name="adopted"/> false: a fresh id; refused when the line is full) or one taken back from
    /// the line of an app that stopped (its id and time in line; it joins the line whatever its length).
    /// </summary>
    private UploadJob? Admit(UploadNote note, string path, bool adopted, out string? refusal)
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

        var job = new UploadJob(note.UnitCode, note.FileName, cancel, adopted ? note.Id : null);
        note = note with { Id = job.Id, Holder = _holder };
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        job.Go = go;
        // Decided under the lock: once in line, the job may be handed a slot (PassSlotOn) at any moment after it, so its
        // note is written before it can be (the import deletes the note as it starts).
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
                else if (_line.Count < _maxQueued || adopted)
                {
                    queued = Join(job, note, path);
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
                if (_big >= _maxBig && (_line.Count < _maxQueued || adopted))
                {
                    queued = Join(job, note, path);
                }
            }
        }

        // RunAsync yields before it does anything, so the job is found (with its Completion, for StopAsync to wait for)
        // before its import starts; it is forgotten half an hour after it ends.
        job.Completion = RunAsync(job, go.Task, path, note.CategoryCode, note.Actor);
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

    /// <summary>Puts the job at the end of the line, with its note beside its file (under <c>_line</c>'s lock).</summary>
    private bool Join(UploadJob job, UploadNote note, string path)
    {
        try
        {
            UploadNote.Write(NotePath(path), note);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // It still waits its turn; only a restart meanwhile would lose it, as before the line was kept.
            logger.LogWarning(e, "The note of a file waiting in line could not be written; it is not kept over a restart");
        }

        job.InLine = _line.AddLast(job);
        return true;
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
        var kept = false;
        try
        {
            try
            {
                await go.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !job.CancelledByClerk && File.Exists(NotePath(path)))
            {
                // Waiting in line as the app stops: the file and its note stay for the app that starts next.
                kept = true;
                logger.LogInformation("Upload {UploadId} of unit {Unit} stays in line for the next start", job.Id, job.UnitCode);
                throw;
            }

            DeleteNote(path);
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
            if (!kept)
            {
                logger.LogInformation("Upload to batch {BatchId} of unit {Unit} was cancelled", job.BatchId, job.UnitCode);
            }

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

            if (!kept)
            {
                try
                {
                    DeleteNote(path);
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning(e, "A spooled upload could not be removed; the app removes it at a later start");
                }
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

    /// <summary>The name pattern of spooled uploads in the spool folder (<see cref="CreateSpoolFile"/>).</summary>
    private const string SpoolPrefix = "shangding-upload-";

    /// <summary>The note beside a spooled file waiting in line, and the name a note has while an app takes it back.</summary>
    private const string NoteSuffix = ".queued.json", ClaimSuffix = ".claim";

    /// <summary>How old a spooled file (or a file's note) is when it is taken for a dead process's leftover.</summary>
    private static readonly TimeSpan Abandoned = TimeSpan.FromDays(1);

    private static string SpoolDirectoryOf(IConfiguration configuration) =>
        configuration["Intake:SpoolDirectory"] is { Length: > 0 } configured ? Path.GetFullPath(configured) : Path.GetTempPath();

    private static string NotePath(string path) => path + NoteSuffix;

    private static void DeleteNote(string path) => File.Delete(NotePath(path));

    /// <summary>
    /// Creates the file the upload page spools an upload to before handing it to <see cref="TryStart"/>: in the spool
    /// folder, readable and writable by this user only (it holds the clerk's rows, ID numbers and all).
    /// </summary>
    public FileStream CreateSpoolFile()
    {
        Directory.CreateDirectory(_spoolDirectory);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path.Combine(_spoolDirectory, $"{SpoolPrefix}{Guid.NewGuid():N}"), options);
    }

    /// <summary>
    /// Takes back the files another app's line left (<see cref="TakeBackLeftFiles"/>), then every minute looks again (an
    /// app on the machine sharing the folder may have stopped meanwhile); removes spooled files a dead process left.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LiveHolders[_holder] = true;
        RemoveLeftovers();
        TakeBackLeftFiles();
        _adopting ??= new Timer(_ => TakeBackLeftFiles(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Removes spooled uploads a process that died (or was killed) left behind without a note: those a day old, far
    /// older than any upload still importing, in this or another process. Files waiting in line have notes.
    /// </summary>
    private void RemoveLeftovers()
    {
        var before = DateTime.UtcNow - Abandoned;
        var removed = 0;
        if (!Directory.Exists(_spoolDirectory))
        {
            return;
        }

        foreach (var file in new DirectoryInfo(_spoolDirectory).EnumerateFiles(SpoolPrefix + "*"))
        {
            try
            {
                var spooled = file.Name.EndsWith(NoteSuffix, StringComparison.Ordinal) ? null
                    : file.Name.EndsWith(ClaimSuffix, StringComparison.Ordinal) ? file.FullName[..^(NoteSuffix.Length + ClaimSuffix.Length)]
                    : file.FullName;
                if (spooled is not null && !File.Exists(NotePath(spooled)) && file.LastWriteTimeUtc < before)
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
    }

    /// <summary>
    /// Takes into this app's line, in the order they joined theirs, the waiting files of apps that have stopped (or
    /// died): each keeps its upload id, so the clerk's page (<c>/unit/uploads/{id}</c>) finds it again. A note is
    /// claimed by renaming it, so two apps sharing the folder never both take a file. Notes a day old are removed with
    /// their files.
    /// </summary>
    internal int TakeBackLeftFiles()
    {
        if (_stopping.IsCancellationRequested || !Directory.Exists(_spoolDirectory))
        {
            return 0;
        }

        var notes = new List<(string Path, UploadNote Note)>();
        foreach (var file in Directory.EnumerateFiles(_spoolDirectory, SpoolPrefix + "*" + NoteSuffix))
        {
            var spooled = file[..^NoteSuffix.Length];
            try
            {
                var note = UploadNote.Read(file);
                if (note is null || !File.Exists(spooled) || note.QueuedAt < DateTime.UtcNow - Abandoned)
                {
                    logger.LogInformation("Removed a file left waiting in line that cannot be taken back (a day old, or without its file or note)");
                    File.Delete(file);
                    File.Delete(spooled);
                    continue;
                }

                if (!HolderIsGone(note.Holder))
                {
                    continue;
                }

                notes.Add((spooled, note));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Being written or taken by another app: looked at again in a minute.
            }
        }

        var taken = 0;
        foreach (var (spooled, note) in notes.OrderBy(n => n.Note.QueuedAt))
        {
            var claim = NotePath(spooled) + ClaimSuffix;
            try
            {
                File.Move(NotePath(spooled), claim);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // another app took it first
            }

            var job = Admit(note, spooled, adopted: true, out _);
            if (job is null)
            {
                // Stopping meanwhile: the note goes back for the next app.
                File.Move(claim, NotePath(spooled), overwrite: false);
                break;
            }

            // In line it has a note of this app's now (or it has started, and needs none).
            File.Delete(claim);

            taken++;
            logger.LogInformation("Took back upload {UploadId} of unit {Unit}, waiting in line since {QueuedAt:O}", job.Id, job.UnitCode, note.QueuedAt);
        }

        return taken;
    }

    /// <summary>Whether the app that holds a note is gone: another app of this process that has stopped, or a process that has ended.</summary>
    private static bool HolderIsGone(string holder)
    {
        if (LiveHolders.ContainsKey(holder))
        {
            return false;
        }

        var process = holder.LastIndexOf('#') is var hash and >= 0 ? holder[..hash] : holder;
        return process == BatchRunner.Current || BatchRunner.IsGone(process);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_adopting is { } timer)
        {
            await timer.DisposeAsync();
        }

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
            // Files waiting in line leave it without being read, their notes kept for the next app.
            await Task.WhenAll(running).WaitAsync(cancellationToken);
        }
        catch (Exception) when (running.All(t => t.IsCompleted) || cancellationToken.IsCancellationRequested)
        {
            // Cancelled and failed imports have said so on their batches and in the log.
        }
        finally
        {
            // Only now may another app take back this one's waiting files.
            LiveHolders.TryRemove(_holder, out _);
        }
    }

    public void Dispose()
    {
        _adopting?.Dispose();
        LiveHolders.TryRemove(_holder, out _);
        _stopping.Dispose();
    }
}

/// <summary>
/// The note beside a spooled file waiting in line (<c>{file}.queued.json</c>), by which the next app takes it back:
/// no ID number, only what the upload page knew of the upload.
/// </summary>
internal sealed record UploadNote(string Id, string UnitCode, string CategoryCode, string Actor, string FileName, DateTime QueuedAt, string Holder)
{
    public static void Write(string path, UploadNote note)
    {
        // Written whole to a temporary name and renamed, so a reader never sees half a note.
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            System.Text.Json.JsonSerializer.Serialize(stream, note);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The note, or null when it is not one (damaged, or of another version).</summary>
    public static UploadNote? Read(string path)
    {
        try
        {
            var note = System.Text.Json.JsonSerializer.Deserialize<UploadNote>(File.ReadAllBytes(path));
            return note is { Id.Length: > 0, UnitCode.Length: > 0, CategoryCode.Length: > 0, Actor.Length: > 0, Holder.Length: > 0 } && note.FileName is not null ? note : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>One web upload's import: its place in line, its progress as it reads, and a way to cancel it.</summary>
public sealed class UploadJob
{
    private readonly CancellationTokenSource _cancel;
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _rows;
    private int _percent = -1;

    internal UploadJob(string unitCode, string fileName, CancellationTokenSource cancel, string? id = null)
    {
        UnitCode = unitCode;
        FileName = fileName;
        _cancel = cancel;
        Token = cancel.Token;
        Id = id ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    }

    /// <summary>The upload's id in its page's address: random, so one clerk cannot guess another's (kept when another app takes it back).</summary>
    public string Id { get; }

    /// <summary>Cancelled by the clerk (not by the app stopping): a file in line then leaves it for good.</summary>
    internal bool CancelledByClerk { get; private set; }

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
        CancelledByClerk = true;
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
