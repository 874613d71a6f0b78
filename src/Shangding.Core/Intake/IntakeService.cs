using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Audit;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Subjects;

namespace Shangding.Core.Intake;

/// <summary>What a batch is: who furnishes it, through which channel, and (for files and forms) its category.</summary>
public sealed record IntakeRequest(
    string UnitCode,
    string Channel,
    string Actor,
    string? CategoryCode,
    string? FileName = null,
    string? FileSha256 = null,
    string? IdempotencyKey = null,
    bool ReturnRecordResults = false,
    IReadOnlyList<string>? Warnings = null,
    IReadOnlyList<string>? AllowedCategories = null,
    IReadOnlyList<string>? HeaderCells = null,
    int ExpectedRows = 0,
    Action<long>? BatchStarted = null,
    string? Note = null);

public static class IntakeChannels
{
    public const string Api = "api";
    public const string Batch = "batch";
    public const string Form = "form";

    /// <summary>A correction the furnishing unit makes to answer a dispute (003 §23). Not a report for reporting deadlines.</summary>
    public const string Dispute = "dispute";

    /// <summary>A good deed a citizen reported and the unit verified. Not a report for reporting deadlines.</summary>
    public const string SelfReport = "self-report";

    /// <summary>A unit's declaration that it has nothing new for a category and period (本期无新增信息): a batch of no rows that counts as a report.</summary>
    public const string NilReport = "nil-report";

    /// <summary>A unit's own correction, withdrawal or restoration of one record on the record's page. Not a report for reporting deadlines.</summary>
    public const string Correction = "correction";
}

/// <summary>
/// The one intake pipeline every channel uses: validate each row against the catalogue, stage it,
/// merge by (unit, record key) with full history, record the batch, its rejects and an audit
/// entry, and mark changed subjects for rescoring — in one transaction.
/// </summary>
public sealed class IntakeService(CatalogDefinition catalog, IdentityProtector protector, DatabaseSettings settings, TimeProvider clock)
{
    public CatalogDefinition Catalog => catalog;

    /// <summary>Checks that the unit exists and may furnish the category; returns the reasons if not.</summary>
    public IReadOnlyList<IntakeReason> CheckScope(string unitCode, string? categoryCode)
    {
        if (catalog.FindUnit(unitCode) is null)
        {
            return [new IntakeReason("unknown_unit", null, $"报送单位“{unitCode}”不在单位目录中。", $"Reporting unit '{unitCode}' is not in the catalogue.")];
        }

        if (categoryCode is null)
        {
            return [];
        }

        var category = catalog.Find(categoryCode);
        if (category is null)
        {
            return [IntakeMessages.UnknownCategory(categoryCode)];
        }

        return category.ResponsibleUnits.Contains(unitCode, StringComparer.Ordinal)
            ? []
            : [IntakeMessages.NotResponsible(catalog.FindUnit(unitCode)!.NameZh, category)];
    }

    /// <summary>Records a batch refused as a whole (bad file, prohibited column, out of scope): nothing of it is stored.</summary>
    public async Task<BatchResult> RefuseAsync(IntakeRequest request, IReadOnlyList<IntakeReason> reasons, CancellationToken cancellationToken)
    {
        var now = Now();
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        long id = 0;
        if (catalog.FindUnit(request.UnitCode) is not null)
        {
            await EnsureUnitAsync(context, request.UnitCode, now, cancellationToken);
            var batch = NewBatch(request, now);
            batch.Status = BatchStatus.Refused;
            batch.FinishedAt = now;
            batch.Message = string.Join("\n", reasons.Select(r => r.ToString()));
            context.IntakeBatches.Add(batch);
            await context.SaveChangesAsync(cancellationToken);
            id = batch.Id;
        }

        return new BatchResult(id, nameof(BatchStatus.Refused), 0, 0, 0, 0, 0, 0, 0, reasons, request.Warnings ?? [], []);
    }

    /// <summary>Takes in a batch of rows; the accepted ones are stored together or not at all.</summary>
    public async Task<BatchResult> RunAsync(IntakeRequest request, IEnumerable<IntakeRow> rows, Action<int>? progress, CancellationToken cancellationToken)
    {
        var scope = CheckScope(request.UnitCode, request.CategoryCode);
        if (scope.Count > 0)
        {
            return await RefuseAsync(request, scope, cancellationToken);
        }

        var prepareWatch = System.Diagnostics.Stopwatch.StartNew();
        var now = Now();
        var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow());
        if (request.IdempotencyKey is not null && await FindEarlierAsync(request, cancellationToken) is { } done)
        {
            return Replay(done, request);
        }

        // A file's batch row is written first, so its page shows the batch Running while it is read. On SQLite a
        // few rows already in memory (an API request, a form) are validated first, outside the write lock, so one API
        // client's rows are validated while another's batch is written. Their batch row is then written inside the
        // batch's own write transaction (SqliteIntakeWriter.InsertBatchRowAsync): it commits with the batch or not at
        // all, and no other connection's commit makes the writer read its pages afresh. (PostgreSQL has no such lock;
        // there the JSON API with two clients was 5-7 % slower staging first: 7.7-7.9k against 8.2-8.3k records/s.)
        var few = rows is IReadOnlyCollection<IntakeRow> { Count: <= SmallBatch } list ? list : null;
        var stageFirst = settings.Provider == DatabaseProvider.Sqlite && few is not null;
        var batchInStore = false;
        var prepare = 0.0;
        var batch = new BatchWrite(request.UnitCode, request.Channel, request.Actor, now, request.ReturnRecordResults);
        // A file's batch row is written while its first rows are read and validated (a process's first batch row costs
        // about a second of starting up the data layer); the writer waits for it before it writes anything.
        Task<long>? batchRow = null;
        if (!stageFirst)
        {
            // Not cancelled with the batch: a cancel that reached PostgreSQL after the row's autocommit but before its
            // answer left a Running row behind and a second, Refused one beside it. The row is one short write; a
            // cancel is seen by the pipeline right after it, and the row then says the batch was cancelled.
            batchRow = AnnounceAsync(CreateBatchRowAsync(request, now, batch), request.BatchStarted);
        }

        try
        {
            await using var writer = IntakeWriter.Create(settings, batch);
            await writer.OpenAsync(cancellationToken);
            if (few is not null && batchRow is not null)
            {
                // On PostgreSQL the row waits for the writer's transaction to hold the batch's live lock.
                try
                {
                    batch.BatchId = await batchRow;
                }
                catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && request.IdempotencyKey is not null)
                {
                    // The same request, sent again at the same moment (a client's retry), wrote its row first: answer as it
                    // does (Running until it commits), instead of failing on the unique key.
                    if (await FindEarlierAsync(request, CancellationToken.None) is { } earlier)
                    {
                        return Replay(earlier, request);
                    }

                    throw;
                }

                prepare = prepareWatch.Elapsed.TotalSeconds;
            }

            int total;
            string digest;
            (double Read, double Process, double Write) busy;
            if (few is not null)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                (var staged, digest) = StageInMemory(request, few, today, cancellationToken);
                total = staged.Length;
                progress?.Invoke(total);
                var processing = watch.Elapsed.TotalSeconds;
                if (stageFirst)
                {
                    prepareWatch.Restart();
                    try
                    {
                        var unit = catalog.FindUnit(request.UnitCode)!;
                        batch.BatchId = await writer.InsertBatchRowAsync(NewBatch(request, now, batch.LiveKey), unit.NameZh, unit.NameEn, cancellationToken);
                        // The row is the batch transaction's: should the batch fail, it is rolled back with it.
                        batchInStore = true;
                    }
                    catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT && request.IdempotencyKey is not null)
                    {
                        // The same request, sent again while this one was validated, got its row first: answer as it does.
                        if (await FindEarlierAsync(request, CancellationToken.None) is { } earlier)
                        {
                            return Replay(earlier, request);
                        }

                        throw;
                    }

                    prepare = prepareWatch.Elapsed.TotalSeconds;
                }

                watch.Restart();
                await writer.WriteAsync(staged, cancellationToken);
                busy = (0, processing, watch.Elapsed.TotalSeconds);
            }
            else
            {
                async Task BatchRowWrittenAsync()
                {
                    batch.BatchId = await batchRow!;
                    prepare = prepareWatch.Elapsed.TotalSeconds;
                }

                (total, digest, busy) = await StageAllAsync(writer, request, rows, today, progress, BatchRowWrittenAsync, cancellationToken);
            }

            var counts = await writer.FinishAsync(cancellationToken);
            // A batch that names no category (an API request) counts as a report only for the categories it furnished
            // something in (ReportingBatches): it takes the one it furnished as its own, or lists the several.
            string? furnishedCategory = null;
            if (request.CategoryCode is null && writer.FurnishedCategories.Count == 1)
            {
                furnishedCategory = writer.FurnishedCategories.Min;
            }
            else if (request.CategoryCode is null)
            {
                foreach (var category in writer.FurnishedCategories)
                {
                    await writer.ExecuteAsync("INSERT INTO intake_batch_categories (batch_id, category_code) VALUES (@b, @c)", cancellationToken,
                        new Dictionary<string, object> { ["@b"] = batch.BatchId, ["@c"] = category });
                }
            }

            // Hashed before the audit chain's lock (on PostgreSQL every batch's commit waits for it): only the two audit
            // entries and the seal's row are written while it is held.
            var sealWatch = System.Diagnostics.Stopwatch.StartNew();
            await writer.PrepareSealAsync(cancellationToken);
            sealWatch.Stop();
            var finished = Now();
            var marked = await writer.ExecuteAsync("""
                UPDATE intake_batches SET status = 'Committed', total_rows = @total, created = @cr, updated = @up, unchanged = @un,
                       withdrawn = @wd, rejected = @rj, finished_at = @fin, category_code = coalesce(category_code, @cat)
                WHERE id = @b AND status = 'Running'
                """, cancellationToken, new Dictionary<string, object>
            {
                ["@cat"] = (object?)furnishedCategory ?? DBNull.Value,
                ["@total"] = total,
                ["@cr"] = counts.Created,
                ["@up"] = counts.Updated,
                ["@un"] = counts.Unchanged,
                ["@wd"] = counts.Withdrawn,
                ["@rj"] = counts.Rejected,
                ["@fin"] = settings.Provider == DatabaseProvider.Postgres ? finished : finished.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
                ["@b"] = batch.BatchId,
            });
            if (marked != 1)
            {
                // Its row was marked interrupted meanwhile (SweepInterruptedAsync): it says nothing was stored, so nothing is.
                throw new BatchNoLongerRunningException($"Batch {batch.BatchId} is no longer Running (marked interrupted); rolled back.");
            }

            var warnings = request.Warnings ?? [];
            if (counts.NameConflicts > 0)
            {
                // Flagged, never overwritten: the clerk is told on the batch page which rows, not only the API's answer.
                warnings = [.. warnings, IntakeMessages.NameConflictWarning(counts.NameConflicts, writer.NameConflictKeys)];
                await writer.ExecuteAsync(
                    settings.Provider == DatabaseProvider.Postgres ? "UPDATE intake_batches SET warnings = @w::jsonb WHERE id = @b" : "UPDATE intake_batches SET warnings = @w WHERE id = @b",
                    cancellationToken, new Dictionary<string, object> { ["@w"] = JsonSerializer.Serialize(warnings, IntakeJson.Options), ["@b"] = batch.BatchId });
            }

            var summary = string.Create(CultureInfo.InvariantCulture,
                $"batch {batch.BatchId} unit {request.UnitCode} {request.Channel} {request.CategoryCode}: {total} rows, {counts.Created} created, {counts.Updated} updated, {counts.Unchanged} unchanged, {counts.Withdrawn} withdrawn, {counts.Rejected} rejected")
                // The clerk's reason is in the chain too, so it cannot be changed afterwards unnoticed.
                + (request.Note is { } note ? "; note: " + note : "");
            await AuditChain.AppendAsync(writer.Connection, writer.Transaction, settings.Provider, "intake-batch", batch.BatchId, request.Actor,
                summary, digest, finished, cancellationToken);
            // The history rows as stored, hashed one by one, so `audit verify` can name a row changed in SQL.
            await writer.WriteSealAsync(finished, cancellationToken);
            await writer.CommitAsync(cancellationToken);
            var timings = writer.Timings.ToList();
            timings.Insert(0, new("prepare", prepare));
            timings.Insert(0, new("stage.busy.read", busy.Read));
            timings.Insert(1, new("stage.busy.process", busy.Process));
            timings.Insert(2, new("stage.busy.write", busy.Write));
            timings.Add(new("finish+commit", (Now() - finished).TotalSeconds));
            timings.Add(new("seal-hashes", sealWatch.Elapsed.TotalSeconds));

            return new BatchResult(batch.BatchId, nameof(BatchStatus.Committed), total, counts.Created, counts.Updated, counts.Unchanged,
                counts.Withdrawn, counts.Rejected, counts.NameConflicts, [], warnings, writer.Results ?? []) { Timings = timings };
        }
        catch (Files.IntakeFileException file)
        {
            // A problem of the file found while reading it (too many rows, a cell too long, a zip
            // bomb past its header): the clerk's file is refused, nothing of it stored, and the
            // batch says why. Not an error of the platform, so not thrown on.
            var reason = new IntakeReason("file_" + file.Reason, null, file.MessageZh, file.MessageEn);
            var batchId = await MarkFailedAsync(request, now, batchInStore ? 0 : await WrittenBatchIdAsync(batch, batchRow),
                $"{file.MessageZh} 未保存任何记录。 / {file.MessageEn} Nothing was stored.", overInterrupted: true);
            return new BatchResult(batchId, nameof(BatchStatus.Refused), 0, 0, 0, 0, 0, 0, 0, [reason], request.Warnings ?? [], []);
        }
        catch (Exception ex)
        {
            // The batch transaction was rolled back: nothing of the batch is stored. Say so on the batch. A batch that gave
            // way to another writer is said so as its row says it (a CLI import prints it instead of a stack trace); the
            // database's own exception stays inside, so the web app still answers 503 with Retry-After.
            var contended = BatchContendedException.Is(ex) ? new BatchContendedException(ex) : null;
            await MarkFailedAsync(request, now, batchInStore ? 0 : await WrittenBatchIdAsync(batch, batchRow), ex switch
            {
                OperationCanceledException => CancelledMessage,
                RecordCreatedMeanwhileException created => created.Message,
                _ when contended is not null => contended.Message,
                _ => $"处理失败，未保存任何记录。 / Failed; nothing was stored: {ex.GetType().Name}",
            }, overInterrupted: ex is not BatchNoLongerRunningException);
            if (contended is not null)
            {
                throw contended;
            }

            throw;
        }
    }

    /// <summary>
    /// Tells the caller the id of the batch's committed Running row (<see cref="IntakeRequest.BatchStarted"/>): a web
    /// upload that runs on in the background sends the clerk to the batch's page. Only a row committed on its own is
    /// announced; a few rows' batch row, written inside their transaction, is seen by nobody before the batch commits.
    /// </summary>
    private static async Task<long> AnnounceAsync(Task<long> batchRow, Action<long>? started)
    {
        var id = await batchRow;
        started?.Invoke(id);
        return id;
    }

    /// <summary>The id of the batch's row if it was written (0 if not): a file's row may still be on its way when the batch fails.</summary>
    private static async Task<long> WrittenBatchIdAsync(BatchWrite batch, Task<long>? batchRow)
    {
        // A PostgreSQL writer that failed before it took its live lock: its row is written now, to say what happened.
        batch.LiveLockTaken.TrySetResult();
        if (batch.BatchId != 0 || batchRow is null)
        {
            return batch.BatchId;
        }

        try
        {
            return await batchRow;
        }
        catch (Exception e) when (e is DbException or OperationCanceledException or InvalidOperationException)
        {
            return 0;
        }
    }

    private const int ChunkSize = 512;

    // Chunks waiting between the threads. Few: rows that wait long survive two collections and are then
    // collected only by full ones (16 chunks: 110 full collections for a million rows; 4: 50-70, and the
    // 1M-row .csv stages 1-3 s faster).
    private const int Depth = 4;

    /// <summary>
    /// Up to this many rows already in memory (an API request, a form) are processed on the caller's thread alone: for
    /// a thousand rows, starting two threads and handing chunks between them cost more than it saved (in process,
    /// batches of 1,000: staging 32.5 ms a batch in the pipeline, 28-29 ms on one thread; the JSON API with two
    /// clients: 11.9-12.1k records/s before, 12.3-12.5k after).
    /// </summary>
    private const int SmallBatch = 5_000;

    /// <summary>
    /// Reads, processes and writes every row with three threads in a pipeline — the source (file parsing) on one,
    /// validation, identity protection and the batch digest on another, the writer on the caller's — so a two-core
    /// server keeps both cores busy. Row order is kept, so the audit digest and "the first row with a key wins" do not
    /// depend on timing.
    /// </summary>
    private async Task<(int Total, string Digest, (double Read, double Process, double Write) Busy)> StageAllAsync(IntakeWriter writer, IntakeRequest request,
        IEnumerable<IntakeRow> rows, DateOnly today, Action<int>? progress, Func<Task> beforeWriting, CancellationToken cancellationToken)
    {
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failure.Token;
        var read = Channel.CreateBounded<(IntakeRow Row, int FirstRowOfKey)[]>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
        var processed = Channel.CreateBounded<StagedRow[]>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
        var total = 0;
        var readWatch = new System.Diagnostics.Stopwatch();
        var processWatch = new System.Diagnostics.Stopwatch();
        var writeWatch = new System.Diagnostics.Stopwatch();
        string? digestText = null;

        var reader = Task.Run(() =>
        {
            readWatch.Start();
            var firstRowOfKey = new RecordKeyIndex(request.ExpectedRows);
            var chunk = new List<(IntakeRow, int)>(ChunkSize);
            try
            {
                foreach (var row in rows)
                {
                    token.ThrowIfCancellationRequested();
                    total++;
                    var duplicateOf = 0;
                    if (RecordValidator.Clean(row.Get(IntakeColumns.RecordKey)) is { } key)
                    {
                        duplicateOf = firstRowOfKey.FirstRowOf(key, row.RowNumber);
                    }

                    chunk.Add((row, duplicateOf));
                    if (chunk.Count == ChunkSize)
                    {
                        readWatch.Stop();
                        WriteBlocking(read.Writer, chunk.ToArray(), token);
                        readWatch.Start();
                        chunk.Clear();
                    }

                    if (progress is not null && total % 10_000 == 0)
                    {
                        progress(total);
                    }
                }

                readWatch.Stop();
                if (chunk.Count > 0)
                {
                    WriteBlocking(read.Writer, chunk.ToArray(), token);
                }

                progress?.Invoke(total);
                read.Writer.Complete();
            }
            catch (Exception ex)
            {
                read.Writer.Complete(ex);
            }
        }, token);

        var processor = Task.Run(async () =>
        {
            var validators = new Dictionary<string, RecordValidator>(StringComparer.Ordinal);
            var subjects = new HashSet<HashKey>(request.ExpectedRows);
            using var digest = new BufferedDigest();
            try
            {
                await foreach (var chunk in read.Reader.ReadAllAsync(token))
                {
                    processWatch.Start();
                    var staged = new StagedRow[chunk.Length];
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        staged[i] = Stage(chunk[i].Row, chunk[i].FirstRowOfKey, request, validators, subjects, today);
                        AppendDigest(digest, staged[i]);
                    }

                    processWatch.Stop();

                    await processed.Writer.WriteAsync(staged, token);
                }

                digestText = digest.Finish();
                processed.Writer.Complete();
            }
            catch (Exception ex)
            {
                processed.Writer.Complete(ex);
            }
        }, token);

        try
        {
            var ready = beforeWriting();
            await foreach (var chunk in processed.Reader.ReadAllAsync(token))
            {
                await ready;
                writeWatch.Start();
                await writer.WriteAsync(chunk, token);
                writeWatch.Stop();
            }

            await ready;
        }
        catch
        {
            await failure.CancelAsync();
            throw;
        }
        finally
        {
            await Task.WhenAll(reader.ContinueWith(_ => { }, TaskScheduler.Default), processor.ContinueWith(_ => { }, TaskScheduler.Default));
        }

        // A failure in the source surfaces here, through the channels, as the original exception.
        await reader;
        await processor;
        readWatch.Stop();
        return (total, digestText!, (readWatch.Elapsed.TotalSeconds, processWatch.Elapsed.TotalSeconds, writeWatch.Elapsed.TotalSeconds));
    }

    /// <summary>The same processing as the pipeline's, row after row on the caller's thread, for a few rows in memory.</summary>
    private (StagedRow[] Rows, string Digest) StageInMemory(IntakeRequest request, IReadOnlyCollection<IntakeRow> rows, DateOnly today,
        CancellationToken cancellationToken)
    {
        var firstRowOfKey = new RecordKeyIndex();
        var validators = new Dictionary<string, RecordValidator>(StringComparer.Ordinal);
        var subjects = new HashSet<HashKey>();
        using var digest = new BufferedDigest();
        var staged = new StagedRow[rows.Count];
        var index = 0;
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var duplicateOf = RecordValidator.Clean(row.Get(IntakeColumns.RecordKey)) is { } key ? firstRowOfKey.FirstRowOf(key, row.RowNumber) : 0;
            var one = Stage(row, duplicateOf, request, validators, subjects, today);
            AppendDigest(digest, one);
            staged[index++] = one;
        }

        return (staged, digest.Finish());
    }

    private static void WriteBlocking<T>(ChannelWriter<T> writer, T item, CancellationToken token)
    {
        if (!writer.TryWrite(item))
        {
            writer.WriteAsync(item, token).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Adds "row ␟ key ␟ action ␟ content hash ␟ reasons ␞" in UTF-8 to the digest (the separators keep
    /// pieces apart).
    /// </summary>
    private static void AppendDigest(BufferedDigest digest, StagedRow row)
    {
        Span<byte> small = stackalloc byte[16];
        row.RowNumber.TryFormat(small, out var written, default, CultureInfo.InvariantCulture);
        small[written++] = 0x1f;
        digest.Append(small[..written]);
        digest.Append(row.RecordKey);
        small[0] = 0x1f;
        written = 1 + Encoding.UTF8.GetBytes([row.Action], small[1..]);
        small[written++] = 0x1f;
        digest.Append(small[..written]);
        digest.Append(row.ContentHash);
        small[0] = 0x1f;
        digest.Append(small[..1]);
        digest.Append(row.ReasonsJson);
        small[0] = 0x1e;
        digest.Append(small[..1]);
    }

    /// <summary>
    /// SHA-256 over a stream of small pieces, gathered into 64 KB blocks: the hash of the concatenation, with one
    /// call into the crypto library per block instead of six per row.
    /// </summary>
    private sealed class BufferedDigest : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _block = new byte[64 * 1024];
        private int _used;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (_used + bytes.Length > _block.Length)
            {
                Flush();
                if (bytes.Length > _block.Length)
                {
                    _hash.AppendData(bytes);
                    return;
                }
            }

            bytes.CopyTo(_block.AsSpan(_used));
            _used += bytes.Length;
        }

        public void Append(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return;
            }

            if (_block.Length - _used < Encoding.UTF8.GetMaxByteCount(text.Length))
            {
                Flush();
                if (_block.Length < Encoding.UTF8.GetMaxByteCount(text.Length))
                {
                    _hash.AppendData(Encoding.UTF8.GetBytes(text));
                    return;
                }
            }

            _used += Encoding.UTF8.GetBytes(text, _block.AsSpan(_used));
        }

        public string Finish()
        {
            Flush();
            return Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        private void Flush()
        {
            _hash.AppendData(_block, 0, _used);
            _used = 0;
        }

        public void Dispose() => _hash.Dispose();
    }

    /// <summary>The 16 bytes of a subject's look-up key as a compact set key: a million in a batch fit in tens of megabytes.</summary>
    internal readonly record struct HashKey(ulong A, ulong B)
    {
        public static HashKey Of(string idHash)
        {
            Span<byte> bytes = stackalloc byte[16];
            Convert.FromHexString(idHash, bytes, out _, out _);
            return System.Runtime.InteropServices.MemoryMarshal.Read<HashKey>(bytes);
        }
    }

    internal StagedRow Stage(IntakeRow row, int duplicateOf, IntakeRequest request, Dictionary<string, RecordValidator> validators,
        HashSet<HashKey> subjects, DateOnly today)
    {
        var categoryCode = request.CategoryCode ?? row.CategoryCode;
        var reasons = new List<IntakeReason>(row.Problems);
        ValidatedRecord? record = null;
        if (categoryCode is null)
        {
            reasons.Add(IntakeMessages.UnknownCategory("(空)"));
        }
        else if (!validators.TryGetValue(categoryCode, out var validator))
        {
            var scope = CheckScope(request.UnitCode, categoryCode);
            if (scope.Count == 0 && request.AllowedCategories is { } allowed && !allowed.Contains(categoryCode, StringComparer.Ordinal))
            {
                scope = [new IntakeReason("outside_credential", null,
                    $"本接口凭证无权报送“{catalog.Find(categoryCode)!.NameZh}”：请向市信用中心申请扩大凭证范围。",
                    $"This API credential may not furnish '{catalog.Find(categoryCode)!.NameEn}': ask the Credit Centre to widen its scope.")];
            }

            if (scope.Count > 0)
            {
                reasons.AddRange(scope);
            }
            else
            {
                validator = new RecordValidator(catalog.Find(categoryCode)!, today);
                validators[categoryCode] = validator;
            }
        }

        if (categoryCode is not null && validators.TryGetValue(categoryCode, out var ready))
        {
            var result = ready.Validate(row);
            if (result.IsValid && reasons.Count == 0)
            {
                record = result.Record;
            }
            else if (row.Problems.Count == 0)
            {
                reasons.AddRange(result.Reasons);
            }
            else
            {
                // A cell the file could not give a value for (a lost long number, an error value, a formula without its
                // result) has its reason already; what the validator says about the broken value would only mislead
                // (a check digit "wrong" in a number Excel rounded).
                reasons.AddRange(result.Reasons.Where(r => r.Field is null || !row.Problems.Any(p => p.Field == r.Field)));
            }
        }

        var key = RecordValidator.Clean(row.Get(IntakeColumns.RecordKey));
        if (key is not null && duplicateOf > 0)
        {
            record = null;
            reasons.Add(IntakeMessages.DuplicateKey(key, duplicateOf));
        }

        if (record is null)
        {
            return new StagedRow(row.RowNumber, key, 'R', null, null, null, null, null, null, null, null, categoryCode, null, null, null, null,
                RejectsExport.ProtectCells(row.CellsAsSent(), protector), IntakeReasons.ToJson(reasons));
        }

        if (record.Action == IntakeAction.Withdraw)
        {
            return new StagedRow(row.RowNumber, record.RecordKey, 'W', null, null, null, null, null, null, null, null, record.CategoryCode,
                null, null, null, null, RejectsExport.ProtectCells(row.CellsAsSent(), protector), null) { ExpectedVersion = row.ExpectedVersion };
        }

        var subject = record.Subject!;
        // One HMAC gives both keys: the look-up key is its first 16 bytes, the content key all 32 (in hex).
        Span<byte> mac = stackalloc byte[32];
        protector.Mac(subject.NormalisedId, mac);
        Span<char> contentKey = stackalloc char[64];
        Convert.TryToHexStringLower(mac, contentKey, out _);
        var idHash = new string(contentKey[..IdentityProtector.LookupKeyLength]);
        var fields = RecordContent.ToJsonUtf8(record.Fields);

        // Only the first accepted row of a subject in the batch can create it: it alone carries what a new
        // subject needs (kind, encrypted and masked identifier, birth date, sex) — its id_cipher marks it.
        // Later rows of the same subject need only the look-up hash and the name (for the name check).
        var first = subjects.Add(System.Runtime.InteropServices.MemoryMarshal.Read<HashKey>(mac));
        return new StagedRow(
            row.RowNumber,
            record.RecordKey,
            'U',
            first ? (subject.Kind == SubjectKind.Person ? nameof(SubjectKind.Person) : subject.Kind.ToString()) : null,
            first ? subject.CertType : null,
            idHash,
            first ? protector.Encrypt(subject.NormalisedId) : null,
            !first ? null : subject.Kind == SubjectKind.Person ? Masking.Mask(subject.NormalisedId) : subject.NormalisedId,
            subject.Name,
            first ? subject.BirthDate : null,
            first ? subject.Sex : null,
            record.CategoryCode,
            record.ActDate,
            record.Severity,
            fields,
            RecordContent.Hash(record.CategoryCode, contentKey, record.ActDate, fields),
            // Accepted rows keep no copy of their cells; one refused at merge time (its key already used by
            // another category) comes back in the rejects file with its key and reason.
            null,
            null)
        {
            ExpectedVersion = row.ExpectedVersion,
        };
    }

    private static BatchResult Replay(IntakeBatch earlier, IntakeRequest request) => new(
        earlier.Id, earlier.Status.ToString(), earlier.TotalRows, earlier.Created, earlier.Updated, earlier.Unchanged, earlier.Withdrawn,
        earlier.Rejected, 0,
        [],
        [.. request.Warnings ?? [], $"幂等键“{request.IdempotencyKey}”已处理过（批次 {earlier.Id}），本次未重复处理。 / Idempotency key '{request.IdempotencyKey}' was already processed (batch {earlier.Id}); nothing was done again."],
        []);

    /// <summary>
    /// Marks batches left Running by a process that died (its transaction was rolled back by the database, so nothing
    /// of them is stored) as refused, saying so: at once when their runner was a process on this machine that is gone
    /// (<see cref="BatchRunner.IsGone"/>); on PostgreSQL, wherever it ran, once no transaction holds the batch's live lock
    /// (<see cref="BatchRunner.LiveLockClass"/>), a minute after it started, and never while one does; otherwise
    /// (SQLite, or a row without a lock's key) once they are older than <paramref name="olderThan"/>. Runs when the
    /// web app starts and daily. A batch marked so that was in fact still running cannot commit: its last step finds its
    /// row no longer Running and rolls back. On SQLite it waits for the write lock like any write (another import holds
    /// it to its commit).
    /// </summary>
    public Task<int> SweepInterruptedAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        SweepAsync(olderThan, null, cancellationToken);

    /// <summary>
    /// Marks the one Running batch interrupted if its runner is gone, for its page; true when it did. On SQLite it waits at
    /// most about two seconds for the write lock (another import may hold it for its whole file) and then returns false,
    /// leaving it for the page's next reload.
    /// </summary>
    public async Task<bool> TrySweepBatchAsync(long batchId, CancellationToken cancellationToken)
    {
        try
        {
            return await SweepAsync(TimeSpan.FromHours(6), batchId, cancellationToken) > 0;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED)
        {
            return false;
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            // PostgreSQL out of connections, failing over: the page shows the batch as it is and tries again on its reload.
            return false;
        }
    }

    private async Task<int> SweepAsync(TimeSpan olderThan, long? onlyBatch, CancellationToken cancellationToken)
    {
        var now = Now();
        var cutoff = now - olderThan;
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        var query = context.IntakeBatches.AsNoTracking().Where(b => b.Status == BatchStatus.Running);
        if (onlyBatch is { } only)
        {
            query = query.Where(b => b.Id == only);
        }

        var running = (await query.Select(b => new { b.Id, b.Runner, b.StartedAt }).ToListAsync(cancellationToken))
            // On PostgreSQL a batch with a live lock is judged by it alone, wherever it ran and however long it runs: its
            // transaction holds it from before its row is written to its end.
            .Select(b => (b.Id, b.Runner, b.StartedAt, LiveKey: settings.Provider == DatabaseProvider.Postgres ? BatchRunner.LiveKeyOf(b.Runner) : null))
            .ToList();
        var interrupted = running.Where(b => b.LiveKey is null && (b.StartedAt < cutoff || BatchRunner.IsGone(b.Runner))).Select(b => b.Id).ToList();
        var settled = now - LiveLockGrace;
        interrupted.AddRange(await WithFreeLiveLocksAsync(
            [.. running.Where(b => b.LiveKey is not null && b.StartedAt < settled).Select(b => (b.Id, b.LiveKey!.Value))], cancellationToken));

        if (interrupted.Count == 0)
        {
            return 0;
        }

        // A batch's page does not wait for another import's SQLite write lock: it shows the batch as it is and tries again.
        await using var brief = onlyBatch is not null && settings.Provider == DatabaseProvider.Sqlite
            ? await SqliteBusyTimeout.WaitBrieflyAsync(context, cancellationToken)
            : null;
        return await context.IntakeBatches.Where(b => interrupted.Contains(b.Id) && b.Status == BatchStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Status, BatchStatus.Refused)
                .SetProperty(b => b.IdempotencyKey, (string?)null)
                .SetProperty(b => b.Message, InterruptedMessage)
                .SetProperty(b => b.FinishedAt, now), cancellationToken);
    }

    /// <summary>
    /// A PostgreSQL batch's row is written only once its transaction holds its live lock, so a free lock means its
    /// runner is gone; its first minute is left alone all the same, for a rolled-back batch to say why itself.
    /// </summary>
    internal static readonly TimeSpan LiveLockGrace = TimeSpan.FromMinutes(1);

    /// <summary>The batches whose live lock (<see cref="BatchRunner.LiveLockClass"/>) no transaction holds.</summary>
    private async Task<List<long>> WithFreeLiveLocksAsync(List<(long Id, int Key)> batches, CancellationToken cancellationToken)
    {
        var free = new List<long>();
        if (batches.Count == 0)
        {
            return free;
        }

        await using var connection = new Npgsql.NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        // Taken only to see whether it can be: released when this transaction ends, at once.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (id, key) in batches)
        {
            await using var probe = new Npgsql.NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({BatchRunner.LiveLockClass}, @key)", connection, transaction);
            probe.Parameters.AddWithValue("key", key);
            if (await probe.ExecuteScalarAsync(cancellationToken) is true)
            {
                free.Add(id);
            }
        }

        await transaction.RollbackAsync(cancellationToken);
        return free;
    }

    private const string InterruptedMessage = "处理中断（进程退出），未保存任何记录，请重新上传。 / Processing was interrupted (the process stopped); nothing was stored — upload the file again.";

    /// <summary>
    /// Says on the batch row that nothing was stored and why, and returns its id. A batch whose row is not stored
    /// (a few rows staged first, on SQLite: the row was rolled back with the batch, or never written) gets a
    /// refused row now, and its unit's row with it if that was rolled back too. Either way the refused batch holds
    /// no idempotency key: nothing of the request was stored, so the caller can send it again under the same key.
    /// </summary>
    /// <remarks>
    /// With <paramref name="overInterrupted"/> the reason also replaces a sweep's "interrupted" mark: on PostgreSQL a
    /// rollback frees the batch's live lock a moment before this update, and a sweep in between takes the batch for one
    /// whose process died. The process is alive and knows why the batch ended (a cancel, a failure); either way nothing
    /// was stored. Not when the batch ended because it found itself marked (<see cref="BatchNoLongerRunningException"/>).
    /// </remarks>
    private async Task<long> MarkFailedAsync(IntakeRequest request, DateTime now, long batchId, string message, bool overInterrupted)
    {
        try
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(settings);
            if (batchId == 0)
            {
                await EnsureUnitAsync(context, request.UnitCode, now, CancellationToken.None);
                var batch = NewBatch(request with { IdempotencyKey = null }, now);
                batch.Status = BatchStatus.Refused;
                batch.Message = message;
                batch.FinishedAt = Now();
                context.IntakeBatches.Add(batch);
                await context.SaveChangesAsync(CancellationToken.None);
                return batch.Id;
            }

            await context.IntakeBatches.Where(b => b.Id == batchId
                    && (b.Status == BatchStatus.Running || (overInterrupted && b.Status == BatchStatus.Refused && b.Message == InterruptedMessage)))
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Refused).SetProperty(b => b.Message, message)
                    .SetProperty(b => b.IdempotencyKey, (string?)null).SetProperty(b => b.FinishedAt, Now()));
        }
        catch (Exception e) when (e is DbUpdateException or DbException)
        {
            // Best effort: a batch left Running is swept later by SweepInterruptedAsync.
        }

        return batchId;
    }

    /// <summary>What a file's batch that gave way to another says while and once the platform sends the file again (<see cref="FileImport.RunAsync"/>).</summary>
    public const string SentAgainMessage =
        "本批次与同时处理的另一批次冲突，未保存任何记录；平台在其他批次处理完后自动重新提交该文件，结果见随后的新批次。 / " +
        "This batch clashed with another batch processed at the same moment, so nothing of it was stored; the platform sends the file again " +
        "by itself once the other batches are done: see the new batch that follows.";

    /// <summary>What a batch cancelled by its clerk or by the app stopping says.</summary>
    public const string CancelledMessage = "已取消，未保存任何记录。 / Cancelled; nothing was stored.";

    /// <summary>
    /// Says on a batch that ended without storing anything (a file's that gave way to another) why: marks it Refused if
    /// it is still Running (its failure could not be written: on SQLite another writer may hold the lock). Best effort:
    /// false when it could not; on SQLite it waits for the write lock as every write does, or only briefly with
    /// <paramref name="briefly"/>.
    /// </summary>
    public async Task<bool> TryMarkRefusedAsync(long batchId, string message, bool briefly = false)
    {
        try
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(settings);
            await using var brief = briefly && settings.Provider == DatabaseProvider.Sqlite
                ? await SqliteBusyTimeout.WaitBrieflyAsync(context, CancellationToken.None) : null;
            var now = Now();
            await context.IntakeBatches.Where(b => b.Id == batchId && (b.Status == BatchStatus.Running || b.Status == BatchStatus.Refused))
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Refused).SetProperty(b => b.Message, message)
                    .SetProperty(b => b.FinishedAt, b => b.FinishedAt ?? now), CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is DbException or DbUpdateException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until every batch running now but those <paramref name="except"/> (of any unit) has ended, at most <paramref name="longest"/>: what a file
    /// whose batch gave way to another waits for before it is sent again, so it does not meet the same batch in the same
    /// deadlock. Every few seconds it sweeps, as a batch's page does, so a batch whose process died (on PostgreSQL: its
    /// live lock free) ends the wait too.
    /// </summary>
    public async Task WaitForRunningBatchesAsync(IReadOnlyCollection<long> except, TimeSpan longest, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var swept = TimeSpan.Zero;
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        var running = await context.IntakeBatches.AsNoTracking().Where(b => b.Status == BatchStatus.Running && !except.Contains(b.Id))
            .Select(b => b.Id).ToListAsync(cancellationToken);
        while (running.Count > 0 && watch.Elapsed < longest)
        {
            await Task.Delay(RunningBatchPoll, cancellationToken);
            if (watch.Elapsed - swept > RunningBatchSweep)
            {
                swept = watch.Elapsed;
                foreach (var id in running)
                {
                    await TrySweepBatchAsync(id, cancellationToken);
                }
            }

            running = await context.IntakeBatches.AsNoTracking().Where(b => running.Contains(b.Id) && b.Status == BatchStatus.Running)
                .Select(b => b.Id).ToListAsync(cancellationToken);
        }
    }

    private static readonly TimeSpan RunningBatchPoll = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan RunningBatchSweep = TimeSpan.FromSeconds(5);

    /// <summary>The unit's batch with the request's idempotency key, if there is one.</summary>
    private async Task<IntakeBatch?> FindEarlierAsync(IntakeRequest request, CancellationToken cancellationToken)
    {
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        return await context.IntakeBatches.AsNoTracking()
            .FirstOrDefaultAsync(b => b.UnitCode == request.UnitCode && b.IdempotencyKey == request.IdempotencyKey, cancellationToken);
    }

    /// <summary>
    /// Writes and commits the batch's Running row on a connection of its own; returns its id.
    /// On SQLite with the batch's relaxed settings: with the defaults (<c>synchronous = FULL</c>,
    /// <c>wal_autocheckpoint = 1000</c>) this one-row commit found the write-ahead log of the previous batches past 1,000
    /// pages and copied all of it into the database, with fsyncs, inside the request: 12–18 ms of a 1,000-record API
    /// batch, a seventh of it. The row needs no fsync of its own: the batch commits later in the same log, and a power
    /// loss keeps a prefix of the log, so it can lose the row only together with the batch. Not cancellable (see the caller).
    /// </summary>
    private async Task<long> CreateBatchRowAsync(IntakeRequest request, DateTime now, BatchWrite batch)
    {
        var unit = catalog.FindUnit(request.UnitCode)!;
        var liveKey = batch.LiveKey;
        if (settings.Provider == DatabaseProvider.Postgres)
        {
            // Seen Running only once its transaction holds the live lock: a sweep on any server can then tell at once
            // whether it still runs (or, if the writer failed to open, once the failure has released the row).
            await batch.LiveLockTaken.Task;
            await using var postgres = new Npgsql.NpgsqlConnection(settings.ConnectionString);
            await postgres.OpenAsync(CancellationToken.None);
            return await IntakeWriter.InsertBatchRowAsync(postgres, null, settings.Provider, NewBatch(request, now, liveKey), unit.NameZh, unit.NameEn, CancellationToken.None);
        }

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(settings.ConnectionString) { ForeignKeys = true }.ToString());
        await connection.OpenAsync(CancellationToken.None);
        await using (var busy = connection.CreateCommand())
        {
            busy.CommandText = SqliteBusyTimeout.Pragma;
            await busy.ExecuteNonQueryAsync(CancellationToken.None);
        }

        var pragmas = await SqliteBatchPragmas.RelaxAsync(connection, CancellationToken.None);
        try
        {
            // Autocommit: each statement its own transaction; the unit's row (the first time) and the batch's row.
            return await IntakeWriter.InsertBatchRowAsync(connection, null, settings.Provider, NewBatch(request, now, liveKey), unit.NameZh, unit.NameEn, CancellationToken.None);
        }
        finally
        {
            await pragmas.RestoreAsync(connection);
        }
    }

    private static IntakeBatch NewBatch(IntakeRequest request, DateTime now, int? liveKey = null) => new()
    {
        UnitCode = request.UnitCode,
        CategoryCode = request.CategoryCode,
        Channel = request.Channel,
        FileName = request.FileName,
        FileSha256 = request.FileSha256,
        IdempotencyKey = request.IdempotencyKey,
        Status = BatchStatus.Running,
        HeaderCellsJson = request.HeaderCells is null ? null : JsonSerializer.Serialize(request.HeaderCells, IntakeJson.Options),
        WarningsJson = request.Warnings is { Count: > 0 } w ? JsonSerializer.Serialize(w, IntakeJson.Options) : null,
        Actor = request.Actor,
        StartedAt = now,
        Runner = liveKey is { } key ? BatchRunner.ForBatch(key) : BatchRunner.Current,
        Note = request.Note,
    };

    private async Task EnsureUnitAsync(ShangdingDbContext context, string unitCode, DateTime now, CancellationToken cancellationToken)
    {
        if (!await context.Units.AnyAsync(u => u.Code == unitCode, cancellationToken))
        {
            var unit = catalog.FindUnit(unitCode)!;
            context.Units.Add(new Unit { Code = unit.Code, NameZh = unit.NameZh, NameEn = unit.NameEn, CreatedAt = now });
            await context.SaveChangesAsync(cancellationToken);
        }
    }

    // Whole milliseconds: PostgreSQL keeps microseconds, so hashes over timestamps must not depend on ticks.
    private DateTime Now()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }
}

/// <summary>A batch whose commit found its row no longer Running: a sweep marked it interrupted, so it rolled back.</summary>
internal sealed class BatchNoLongerRunningException(string message) : InvalidOperationException(message);

/// <summary>
/// PostgreSQL: another batch of the unit created a record with a key this batch was creating, at the same moment (after
/// this batch looked the key up). The batch is rolled back whole; sent again, it finds the record. The web app answers
/// it as it answers a busy database (503 with Retry-After), with this message; the batch's row says it in both languages.
/// </summary>
public sealed class RecordCreatedMeanwhileException(Exception inner) : InvalidOperationException(Zh + " / " + En, inner)
{
    public const string Zh = "另一批次在同一时刻新建了本批次中某个编号的记录，本批次未保存任何记录。请重新提交：该行将与已有记录比对后更新或不变。";
    public const string En = "Another batch created a record with one of this batch's keys at the same moment, so nothing of this batch was stored. "
        + "Send it again: the row will then be checked against that record, and update it or leave it unchanged.";
}

/// <summary>
/// A batch that waited for other writers past its limit or was chosen to give way: on SQLite the write lock stayed taken
/// past the busy timeout (another import holds it to its commit); on PostgreSQL a lock timeout, a serialization failure or
/// a deadlock with another batch changing the same records in another order (each holds the records of its earlier
/// rows until it commits). Its transaction was rolled back whole, so sending it again is safe. The database's exception
/// is the inner one.
/// </summary>
public sealed class BatchContendedException(Exception inner) : InvalidOperationException(Zh + " / " + En, inner)
{
    public const string Zh = "数据库正忙，或另一批次同时在修改相同的记录，本批次未保存任何记录。请稍后重新提交。";
    public const string En = "The database was busy, or another batch was changing the same records at the same moment, so nothing of this batch was stored. "
        + "Send it again in a moment.";

    /// <summary>Whether an exception (or one inside it) is such a wait or a deadlock.</summary>
    public static bool Is(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED }
                || e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.LockNotAvailable or Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure })
            {
                return true;
            }
        }

        return false;
    }
}
