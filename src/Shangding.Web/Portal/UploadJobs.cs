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
/// The line outlives the app: a file waiting in it is spooled in <c>Intake:SpoolDirectory</c> (<c>App_Data/uploads</c>
/// unless set; the folder this user's only) with a note beside it (<c>.queued.json</c>: its upload's id, unit,
/// category, clerk, file name, when it joined the line, and the app that holds it: a lock file that app holds open).
/// When the app stops the waiting files stay; the app that starts next (or another one sharing the folder, once the
/// holder's lock is free) takes them back into its line in their order, under the same upload ids, so the clerk's page
/// goes on. A file whose import has begun is not taken back: its batch says it was cancelled or interrupted, and the
/// clerk uploads it again. Spooled files a day old without a note are a dead process's leftovers and are removed.
/// </summary>
public sealed class UploadJobs(FileImport import, IConfiguration configuration, Shangding.Core.Data.DatabaseSettings database,
    Shangding.Core.ShangdingPaths paths, ILogger<UploadJobs> logger)
    : IHostedService, IDisposable
{
    /// <summary>Files from this size on take one of the <c>Intake:MaxConcurrentUploads</c> slots (a 1M-row import peaks at about 500 MB).</summary>
    public const long BigFileBytes = 10L << 20;

    /// <summary>How long a finished upload's page still finds it (to send the clerk on to its batch).</summary>
    private static readonly TimeSpan KeptAfterEnd = TimeSpan.FromMinutes(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly string _spoolDirectory = SpoolDirectoryOf(configuration, paths);
    // This app in its notes: the name of a lock file it holds open (exclusively) from its start to its stop. The kernel
    // lets go of the lock however the process ends, so a free lock is a gone holder, across restarts, containers and
    // boots, and between apps of one process.
    private readonly string _holder = Guid.NewGuid().ToString("N");
    private FileStream? _holderLock;
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
                    Join(job, note, path);
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
                if (_big >= _maxBig && (_line.Count < _maxQueued || adopted))
                {
                    Join(job, note, path);
                    queued = true;
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
    private void Join(UploadJob job, UploadNote note, string path)
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
            // Stopping: the files in line stay there (with their notes) for the next app.
            if (_line.First is { } first && !_stopping.IsCancellationRequested)
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

            // Its import begins: from here a restart does not take it back (its batch says what became of it).
            DeleteNote(path);
            await using var stream = File.OpenRead(path);
            return await import.RunAsync(stream, job.FileName, job.UnitCode, categoryCode, actor,
                (rows, share) =>
                {
                    job.Report(rows, share);
                    ProgressHook?.Invoke(job);
                }, job.Token, batchId =>
                {
                    // A file sent again after its batch gave way to another (FileImport.RunAsync) starts a new batch; the
                    // earlier batch's page finds it as the unit's next batch of the same file (BatchModel).
                    _byBatch[batchId] = job;
                    if (job.BatchId != 0)
                    {
                        logger.LogInformation("Batch {BatchId} of unit {Unit} gave way to another batch; its upload was sent again as batch {NewBatchId}",
                            job.BatchId, job.UnitCode, batchId);
                        _byBatch.TryRemove(job.BatchId, out _);
                    }

                    job.BatchId = batchId;
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
                foreach (var file in new[] { NotePath(path), path })
                {
                    try
                    {
                        File.Delete(file);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        logger.LogWarning(e, "A spooled upload could not be removed; the app removes it at a later start");
                    }
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

    /// <summary>The note beside a spooled file waiting in line.</summary>
    private const string NoteSuffix = ".queued.json";

    /// <summary>The lock files: one an app holds while it runs, and one held while an app takes files back.</summary>
    private const string HolderPrefix = "shangding-holder-", TakeBackLock = "shangding-take-back.lock";

    /// <summary>How old a spooled file (or a file's note) is when it is taken for a dead process's leftover.</summary>
    private static readonly TimeSpan Abandoned = TimeSpan.FromDays(1);

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary><c>Intake:SpoolDirectory</c> (relative to the platform's home), or <c>App_Data/uploads</c> beside the SQLite file.</summary>
    private static string SpoolDirectoryOf(IConfiguration configuration, Shangding.Core.ShangdingPaths paths) =>
        configuration["Intake:SpoolDirectory"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured, paths.Home)
            : Path.Combine(paths.DataDirectory, "uploads");

    private static string NotePath(string path) => path + NoteSuffix;

    private static void DeleteNote(string path) => File.Delete(NotePath(path));

    private string HolderLockPath(string holder) => Path.Combine(_spoolDirectory, $"{HolderPrefix}{holder}.lock");

    /// <summary>
    /// The spool folder, made if need be, readable and writable by this user only: it holds the clerks' rows, ID numbers
    /// and all, and a note put in it would be imported as its unit's. Changing its mode fails unless this user owns it,
    /// so a folder someone else made (another user of a shared <c>/tmp</c>) is refused with a message.
    /// </summary>
    private void PrepareSpoolDirectory()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(_spoolDirectory);
                return;
            }

            Directory.CreateDirectory(_spoolDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // E.g. a read-only home in a container: the uploads need a folder the app can write.
            throw new InvalidOperationException(
                $"The upload spool folder {_spoolDirectory} (Intake:SpoolDirectory) cannot be made: {e.Message} Set Intake:SpoolDirectory to a writable folder of the app's own.", e);
        }

        try
        {
            File.SetUnixFileMode(_spoolDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException(
                $"The upload spool folder {_spoolDirectory} (Intake:SpoolDirectory) belongs to another user; set Intake:SpoolDirectory to a folder of the app's own.", e);
        }
    }

    /// <summary>
    /// Creates the file the upload page spools an upload to before handing it to <see cref="TryStart"/>: in the spool
    /// folder, readable and writable by this user only (it holds the clerk's rows, ID numbers and all).
    /// </summary>
    public FileStream CreateSpoolFile() =>
        new(Path.Combine(_spoolDirectory, $"{SpoolPrefix}{Guid.NewGuid():N}"), OwnerOnlyFile(FileMode.CreateNew, FileAccess.Write));

    /// <summary>Options for a file of the spool folder: opened exclusively (a lock other apps see), made readable by this user only.</summary>
    internal static FileStreamOptions OwnerOnlyFile(FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return options;
    }

    /// <summary>
    /// Prepares the spool folder and takes this app's holder lock; takes back the files stopped apps' lines left
    /// (<see cref="TakeBackLeftFiles"/>), then every minute looks again (an app sharing the folder may have stopped
    /// meanwhile); removes spooled files a dead process left.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        PrepareSpoolDirectory();
        _holderLock ??= new FileStream(HolderLockPath(_holder), OwnerOnlyFile(FileMode.CreateNew, FileAccess.ReadWrite));
        RemoveLeftovers();
        LookForLeftFiles();
        _adopting ??= new Timer(_ => LookForLeftFiles(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        return Task.CompletedTask;
    }

    /// <summary><see cref="TakeBackLeftFiles"/> as the timer runs it: a folder that cannot be read is logged, never thrown (it would end the process).</summary>
    private void LookForLeftFiles()
    {
        try
        {
            TakeBackLeftFiles();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Looking for files left waiting in line by a stopped app failed; the app looks again in a minute");
        }
    }

    /// <summary>
    /// Removes spooled uploads a process that died (or was killed) left behind without a note: those a day old, far
    /// older than any upload still importing, in this or another process. Files waiting in line have notes.
    /// </summary>
    private void RemoveLeftovers()
    {
        var before = DateTime.UtcNow - Abandoned;
        var removed = 0;
        FileInfo[] files;
        try
        {
            files = new DirectoryInfo(_spoolDirectory).GetFiles(SpoolPrefix + "*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "The spool folder could not be read for leftovers of earlier processes");
            return;
        }

        foreach (var file in files)
        {
            try
            {
                if (!file.Name.EndsWith(NoteSuffix, StringComparison.Ordinal) && !File.Exists(NotePath(file.FullName)) && file.LastWriteTimeUtc < before)
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
    /// Takes into this app's line, in the order they joined theirs, the waiting files of apps that have stopped or died
    /// (their holder lock free): each keeps its upload id, so the clerk's page (<c>/unit/uploads/{id}</c>) finds it
    /// again. One app at a time takes files back (a lock file of the folder), so two never take the same file. Notes a
    /// day old are removed with their files; a file not readable by this user only is left alone.
    /// </summary>
    internal int TakeBackLeftFiles()
    {
        if (_stopping.IsCancellationRequested)
        {
            return 0;
        }

        FileStream turn;
        try
        {
            turn = new FileStream(Path.Combine(_spoolDirectory, TakeBackLock), OwnerOnlyFile(FileMode.OpenOrCreate, FileAccess.ReadWrite));
        }
        catch (IOException)
        {
            return 0; // another app is taking files back: this one looks again in a minute
        }

        using (turn)
        {
            var notes = new List<(string Path, UploadNote Note)>();
            foreach (var file in Directory.GetFiles(_spoolDirectory, SpoolPrefix + "*" + NoteSuffix))
            {
                var spooled = file[..^NoteSuffix.Length];
                try
                {
                    var note = UploadNote.Read(file);
                    if (note is not null && !HolderIsGone(note.Holder))
                    {
                        continue;
                    }

                    if (note is null || !File.Exists(spooled) || note.QueuedAt < DateTime.UtcNow - Abandoned)
                    {
                        logger.LogInformation("Removed a file left waiting in line that cannot be taken back (a day old, or without its file or a readable note)");
                        File.Delete(file);
                        File.Delete(spooled);
                        continue;
                    }

                    if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(spooled) != OwnerOnly || File.GetUnixFileMode(file) != OwnerOnly))
                    {
                        logger.LogWarning("A file left waiting in line is readable by others than the app's user; it is not taken back");
                        continue;
                    }

                    notes.Add((spooled, note));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning(e, "A file left waiting in line could not be looked at; the app looks again in a minute");
                }
            }

            var taken = 0;
            foreach (var (spooled, note) in notes.OrderBy(n => n.Note.QueuedAt))
            {
                UploadJob? job;
                try
                {
                    // Its note names this app first: should it stop before the file's turn, the next app takes it back.
                    UploadNote.Write(NotePath(spooled), note with { Holder = _holder });
                    job = Admit(note, spooled, adopted: true, out _);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning(e, "A file left waiting in line could not be taken back; the app looks again in a minute");
                    continue;
                }

                if (job is null)
                {
                    break; // stopping: its note names this app, whose lock is let go as it stops
                }

                taken++;
                logger.LogInformation("Took back upload {UploadId} of unit {Unit}, waiting in line since {QueuedAt:O}", job.Id, job.UnitCode, note.QueuedAt);
            }

            return taken;
        }
    }

    /// <summary>Whether the app that holds a note is gone: no app holds its lock file (the kernel lets go of it however the app ends).</summary>
    private bool HolderIsGone(string holder)
    {
        if (holder == _holder)
        {
            return false;
        }

        if (holder.Length != 32 || !holder.All(char.IsAsciiHexDigitLower))
        {
            return true; // not a holder this version writes
        }

        var path = HolderLockPath(holder);
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (IOException)
        {
            return false; // held: the app runs
        }
        catch (UnauthorizedAccessException)
        {
            return false; // cannot tell
        }

        // Free: its app is gone. Its lock file goes too (nobody holds it; a new app takes a new name).
        File.Delete(path);
        return true;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_adopting is { } timer)
        {
            await timer.DisposeAsync();
        }

        // No file is taken back while the app stops (a take-back already running holds the folder's lock to its end).

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
            ReleaseHolderLock();
        }
    }

    private void ReleaseHolderLock()
    {
        if (Interlocked.Exchange(ref _holderLock, null) is { } held)
        {
            held.Dispose();
            try
            {
                File.Delete(HolderLockPath(_holder));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Free now, so the next app that looks removes it.
            }
        }
    }

    public void Dispose()
    {
        _adopting?.Dispose();
        ReleaseHolderLock();
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
        File.Delete(temp);
        using (var stream = new FileStream(temp, UploadJobs.OwnerOnlyFile(FileMode.CreateNew, FileAccess.Write)))
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
