using Microsoft.EntityFrameworkCore;
using System.Text.Json;
using Shangding.Core.Data;
using Shangding.Core.Intake.Files;
using Shangding.Core.Subjects;

namespace Shangding.Core.Intake;

/// <summary>Writes a batch's rejected rows — as uploaded, with the reason beside each — to xlsx or CSV.</summary>
public static class RejectsExport
{
    public const string ReasonHeader = "未通过原因 / Reason";

    /// <summary>
    /// The stored form of a row's cells as uploaded: a rejected row still holds the ID number the
    /// clerk typed, so the cells are kept encrypted like every stored identifier —
    /// <c>{"protected": "…"}</c> — and decrypted only to give the rejects file back to the unit.
    /// </summary>
    public static string ProtectCells(string?[] cells, IdentityProtector protector) =>
        JsonSerializer.Serialize(new ProtectedCells(protector.Encrypt(JsonSerializer.Serialize(cells))));

    public static string?[] UnprotectCells(string json, IdentityProtector protector)
    {
        if (json.TrimStart().StartsWith('['))
        {
            // A row refused at merge time keeps no copy of its cells: an empty array.
            return JsonSerializer.Deserialize<string?[]>(json) ?? [];
        }

        var stored = JsonSerializer.Deserialize<ProtectedCells>(json);
        return stored?.Protected is { } cipher
            ? JsonSerializer.Deserialize<string?[]>(protector.Decrypt(cipher)) ?? []
            : [];
    }

    /// <summary>How many rejected rows one query reads.</summary>
    internal const int PageSize = 5_000;

    /// <summary>
    /// The batch's rejects in row order, a page at a time (by its key, batch and row number): no query, and no read
    /// transaction, stays open while a slow download takes its rows — on PostgreSQL a long query's lock would hold up
    /// a migration, on SQLite a long read keeps the write-ahead log from being checkpointed.
    /// </summary>
    private static IEnumerable<IntakeReject> Pages(ShangdingDbContext context, long batchId, CancellationToken cancellationToken)
    {
        var after = int.MinValue;
        while (true)
        {
            var page = context.IntakeRejects.AsNoTracking()
                .Where(r => r.BatchId == batchId && r.RowNumber > after)
                .OrderBy(r => r.RowNumber)
                .Take(PageSize)
                .ToList();
            foreach (var reject in page)
            {
                // A clerk who left the download stops it at the next row.
                cancellationToken.ThrowIfCancellationRequested();
                yield return reject;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].RowNumber;
        }
    }

    private sealed record ProtectedCells([property: System.Text.Json.Serialization.JsonPropertyName("protected")] string? Protected);

    /// <summary>
    /// Writes the rejects of <paramref name="batch"/>; reasons in Chinese, or English when <paramref name="english"/>.
    /// <paramref name="rowRead"/> is called as each rejected row is read, before it is written.
    /// </summary>
    public static void Write(ShangdingDbContext context, IntakeBatch batch, Stream output, bool xlsx, bool english, IdentityProtector protector,
        Action<int>? rowRead = null, CancellationToken cancellationToken = default)
    {
        var header = batch.HeaderCellsJson is null
            ? []
            : JsonSerializer.Deserialize<List<string>>(batch.HeaderCellsJson) ?? [];
        var rows = Pages(context, batch.Id, cancellationToken).Select(r =>
        {
            rowRead?.Invoke(r.RowNumber);
            return (r.RowNumber, UnprotectCells(r.CellsJson, protector), string.Join("；", IntakeReasons.Parse(r.ReasonsJson).Select(x => x.Message(english))));
        });
        if (header.Count == 0)
        {
            // API and form batches have no header row: name the columns after the record's JSON.
            header = ["记录 / Record"];
        }

        if (xlsx)
        {
            RejectsFileWriter.WriteXlsx(output, header, rows, ReasonHeader);
        }
        else
        {
            RejectsFileWriter.WriteCsv(output, header, rows, ReasonHeader);
        }
    }
}
