using System.Globalization;
using System.Security.Cryptography;
using Shangding.Core.Catalog;
using Shangding.Core.Intake.Files;

namespace Shangding.Core.Intake;

/// <summary>
/// The batch-upload channel (批量上传): web page and CLI <c>import</c>. Reads a spreadsheet or CSV
/// with the file layer, checks the header against the category (template of another category,
/// prohibited columns, missing columns refuse the whole file), and streams the data rows through
/// the one intake pipeline.
/// </summary>
public sealed class FileImport(IntakeService intake, IntakeFileLimits limits)
{
    private const int HeaderSearchRows = 6;

    /// <summary>Files estimated at this many rows or more are followed by a full garbage collection (see RunAsync).</summary>
    private const int LargeFileRows = 100_000;

    /// <summary>The fewest bytes a row of a generated or Excel-saved sheet takes, compressed or not: to estimate a file's rows.</summary>
    private const int BytesPerRow = 120;

    /// <summary>How many times a file is imported at most when its batch gives way to another (the first time included).</summary>
    internal const int MaxAttempts = 3;

    /// <summary>The longest a file whose batch gave way waits for the batches running at that moment before it is sent again.</summary>
    internal static readonly TimeSpan LongestWaitForOthers = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Imports the file as one batch. <paramref name="progress"/> gets the rows read so far and how far through the
    /// file's rows that is (0 to 1; see <see cref="ITabularSource.Progress"/>), every 10,000 rows and at the end;
    /// <paramref name="batchStarted"/> the id of the batch's Running row once it is committed.
    /// </summary>
    /// <remarks>
    /// A batch that gave way to another writer — chosen by PostgreSQL to end a deadlock (two units' files creating the
    /// same new people in other orders: each holds the ones it created until it commits), beaten to a record key, or
    /// past SQLite's busy wait — stored nothing, and sending it again is safe. A file is still at hand here (a spooled
    /// upload, the CLI's file), so it is sent again, up to <see cref="MaxAttempts"/> times in all, as a new
    /// batch (<paramref name="batchStarted"/> hears of each), instead of asking the clerk to upload it again. The batch
    /// that gave way says so. The file waits for the batches running at that moment to end first (the one it gave way
    /// to among them), as if it had waited in line behind them: sent again at once, it would take the same new people
    /// again, and a batch still running could meet it in the same deadlock.
    /// </remarks>
    public async Task<BatchResult> RunAsync(Stream file, string fileName, string unitCode, string? categoryCode, string actor,
        Action<int, double>? progress, CancellationToken cancellationToken, Action<long>? batchStarted = null)
    {
        var start = file.CanSeek ? file.Position : 0;
        // The batch that gave way while its file is sent again, until the next batch's row is written, and what it said
        // before: should the file not get that far (a cancel, the app stopping), the batch says so instead of "sent again".
        (long Id, string Message)? waiting = null;
        // The file's batches so far: none of them is waited for.
        var own = new List<long>();
        for (var attempt = 1; ; attempt++)
        {
            long batchId = 0;
            try
            {
                return await RunOnceAsync(file, fileName, unitCode, categoryCode, actor, progress, id =>
                {
                    batchId = id;
                    waiting = null;
                    batchStarted?.Invoke(id);
                }, cancellationToken);
            }
            catch (Exception ex) when (GaveWay(ex) is { } gaveWay && file.CanSeek && attempt < MaxAttempts && batchId != 0
                && !cancellationToken.IsCancellationRequested)
            {
                waiting = (batchId, gaveWay.Message);
                own.Add(batchId);
                // Said at once if it can be (on SQLite the writer it gave way to may still hold the lock: tried again after the wait).
                var said = await intake.TryMarkRefusedAsync(batchId, IntakeService.SentAgainMessage, briefly: true);
                try
                {
                    await intake.WaitForRunningBatchesAsync(own, LongestWaitForOthers, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    await intake.TryMarkRefusedAsync(batchId, IntakeService.CancelledMessage, briefly: true);
                    throw;
                }
                catch (Exception e) when (e is System.Data.Common.DbException or Microsoft.EntityFrameworkCore.DbUpdateException or TimeoutException)
                {
                    // The others' end cannot be told (the database unreachable): not sent again, and said as before.
                    await intake.TryMarkRefusedAsync(batchId, gaveWay.Message, briefly: true);
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                }

                if (!said && !await intake.TryMarkRefusedAsync(batchId, IntakeService.SentAgainMessage))
                {
                    // The batch row cannot be written (the lock still taken after the busy wait): not sent again, so that
                    // no batch is left saying Running, or saying something that did not happen.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                }

                file.Position = start;
            }
            catch (Exception ex) when (waiting is { } earlier)
            {
                // Sent again, the file ended before its new batch's row was written.
                await intake.TryMarkRefusedAsync(earlier.Id, ex is OperationCanceledException ? IntakeService.CancelledMessage : earlier.Message, briefly: true);
                throw;
            }
        }
    }

    /// <summary>Why a batch ended, if it gave way to another writer (nothing of it stored; safe to send again): its batch row's message.</summary>
    internal static Exception? GaveWay(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BatchContendedException or RecordCreatedMeanwhileException)
            {
                return e;
            }
        }

        return null;
    }

    private async Task<BatchResult> RunOnceAsync(Stream file, string fileName, string unitCode, string? categoryCode, string actor,
        Action<int, double>? progress, Action<long> batchStarted, CancellationToken cancellationToken)
    {
        var sha256 = await HashAsync(file, cancellationToken);
        // The rows the file may hold, to size the batch's in-memory indexes (a generated or Excel-saved sheet: 120-160
        // bytes a row, compressed or not); a wrong guess costs only a resize.
        var expectedRows = file.CanSeek ? (int)Math.Min(file.Length / BytesPerRow, limits.MaxRows) : 0;
        var request = new IntakeRequest(unitCode, IntakeChannels.Batch, actor, categoryCode, fileName, sha256, ExpectedRows: expectedRows,
            BatchStarted: batchStarted);
        ITabularSource source;
        try
        {
            source = TabularReader.Open(file, fileName, limits);
        }
        catch (IntakeFileException ex)
        {
            return await intake.RefuseAsync(request, [FileReason(ex)], cancellationToken);
        }

        using (source)
        {
            var catalog = intake.Catalog;
            var category = categoryCode is null ? null : catalog.Find(categoryCode);
            if (categoryCode is not null && category is null)
            {
                return await intake.RefuseAsync(request, [IntakeMessages.UnknownCategory(categoryCode)], cancellationToken);
            }

            if (source.TemplateCategory is { } templateCode)
            {
                var template = catalog.Find(templateCode);
                if (category is not null && template is not null && template.Code != category.Code)
                {
                    return await intake.RefuseAsync(request, [new IntakeReason("other_template", null,
                        $"这是“{template.NameZh}”的模板，不是“{category.NameZh}”的：请下载并使用“{category.NameZh}”的模板，或改选正确的信息类别。",
                        $"This is the template of '{template.NameEn}', not of '{category.NameEn}': download the template of '{category.NameEn}', or choose the right category.")], cancellationToken);
                }

                category ??= template;
            }

            if (category is null)
            {
                return await intake.RefuseAsync(request, [new IntakeReason("category_required", null,
                    "无法判断文件属于哪类信息：请选择信息类别，或使用平台下载的模板。",
                    "Cannot tell which category the file is for: choose the category, or use a template downloaded from the platform.")], cancellationToken);
            }

            request = request with { CategoryCode = category.Code };
            var scope = intake.CheckScope(unitCode, category.Code);
            if (scope.Count > 0)
            {
                return await intake.RefuseAsync(request, scope, cancellationToken);
            }

            using var rows = source.ReadRows(cancellationToken).GetEnumerator();
            var head = new List<SourceRow>();
            try
            {
                while (head.Count < HeaderSearchRows && rows.MoveNext())
                {
                    head.Add(rows.Current);
                }
            }
            catch (IntakeFileException ex)
            {
                return await intake.RefuseAsync(request, [FileReason(ex)], cancellationToken);
            }

            var map = ColumnMap.Detect(head.Select(r => r.Cells).ToList(), category);
            var warnings = source.Warnings.Concat(map.Warnings).ToList();
            request = request with { Warnings = warnings, HeaderCells = map.HeaderCells };
            if (map.Refusals.Count > 0)
            {
                return await intake.RefuseAsync(request, map.Refusals, cancellationToken);
            }

            var dataRows = Continue(head.Skip(map.DataStart), rows);
            try
            {
                return await intake.RunAsync(request, dataRows.Select(r => ToIntakeRow(r, map, category)),
                    count => progress?.Invoke(count, source.Progress), cancellationToken);
            }
            finally
            {
                if (expectedRows >= LargeFileRows)
                {
                    // A big file's batch leaves its indexes (record keys, subjects: large arrays sized for the file) in the
                    // oldest generation, which only a full collection frees (a heap dump after a 1M-row import and a full
                    // collection: 3 MB live). Collected now, a second 1M-row .xlsx import in one process on SQLite peaked
                    // at 595-666 MB in eight runs instead of 673-737 in three (the first at 479-529): a little lower;
                    // the rest of the difference is the collector's own sizing in a process that has run one big
                    // import. In the background where the collector can (the web app's server GC), so requests go on
                    // meanwhile; the CLI's non-concurrent collector blocks.
                    GC.Collect(2, GCCollectionMode.Forced, blocking: false);
                }
            }
        }
    }

    private static IEnumerable<SourceRow> Continue(IEnumerable<SourceRow> buffered, IEnumerator<SourceRow> rest)
    {
        foreach (var row in buffered)
        {
            yield return row;
        }

        while (rest.MoveNext())
        {
            yield return rest.Current;
        }
    }

    private static IntakeRow ToIntakeRow(SourceRow row, ColumnMap map, Category category)
    {
        List<IntakeReason>? problems = null;
        foreach (var note in row.Notes)
        {
            if (note.Kind is CellNoteKind.FormulaWithoutCachedValue or CellNoteKind.ErrorValue or CellNoteKind.NumberLostPrecision
                && map.Codes.TryGetValue(note.Column, out var code))
            {
                var field = IntakeColumns.Find(code) ?? category.FindField(code);
                // The note names the cell already ("单元格 D16 …"): the reason adds the field's name.
                problems ??= [];
                problems.Add(new IntakeReason("cell_" + note.Kind, code, $"{field?.NameZh}：{note.MessageZh}", $"{field?.NameEn}: {note.MessageEn}"));
            }
        }

        return map.ToRow(row.RowNumber, row.Cells, problems);
    }

    private static IntakeReason FileReason(IntakeFileException ex) =>
        new("file_" + ex.Reason, null, ex.MessageZh, ex.MessageEn);

    private static async Task<string?> HashAsync(Stream file, CancellationToken cancellationToken)
    {
        if (!file.CanSeek)
        {
            return null;
        }

        var start = file.Position;
        var hash = await SHA256.HashDataAsync(file, cancellationToken);
        file.Position = start;
        return Convert.ToHexStringLower(hash);
    }
}
