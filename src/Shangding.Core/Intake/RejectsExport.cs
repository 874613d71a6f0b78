using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
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
        // Read with Utf8JsonReader, not the serializer: a download of a million rejected rows reads two JSON texts a row,
        // and the serializer's converters were about a third of its time (measured, bench rejects-export).
        var wrapper = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(wrapper);
        if (!reader.Read())
        {
            return [];
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            // A row refused at merge time keeps no copy of its cells: an empty array.
            return ReadCells(ref reader);
        }

        string? cipher = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isProtected = reader.ValueTextEquals("protected"u8);
            reader.Read();
            if (isProtected && reader.TokenType == JsonTokenType.String)
            {
                cipher = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        if (cipher is null)
        {
            return [];
        }

        var plaintext = protector.DecryptToUtf8(cipher);
        try
        {
            var cells = new Utf8JsonReader(plaintext);
            return cells.Read() && cells.TokenType == JsonTokenType.StartArray
                ? ReadCells(ref cells)
                : throw new JsonException("A rejected row's stored cells are not a JSON array.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The strings (or nulls) of the array whose start <paramref name="reader"/> is on.</summary>
    private static string?[] ReadCells(ref Utf8JsonReader reader)
    {
        var cells = new List<string?>(16);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            cells.Add(reader.TokenType == JsonTokenType.Null ? null : reader.GetString());
        }

        return [.. cells];
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

    private sealed record ProtectedCells([property: JsonPropertyName("protected")] string? Protected);

    /// <summary>
    /// Writes the rejects of <paramref name="batch"/>; reasons in Chinese, or English when <paramref name="english"/>.
    /// <paramref name="rowRead"/> is called as each rejected row is read, before it is written — on the reading thread.
    /// </summary>
    /// <remarks>
    /// The rows are read, decrypted and their reasons worded on a second thread, a few thousand rows ahead of the writer
    /// (reading was about two thirds of a million-row download, writing the rest). <paramref name="context"/> is used
    /// only by that thread, and only until this method returns.
    /// </remarks>
    public static void Write(ShangdingDbContext context, IntakeBatch batch, Stream output, bool xlsx, bool english, IdentityProtector protector,
        Action<int>? rowRead = null, CancellationToken cancellationToken = default)
    {
        var header = batch.HeaderCellsJson is null
            ? []
            : JsonSerializer.Deserialize<List<string>>(batch.HeaderCellsJson) ?? [];
        if (header.Count == 0)
        {
            // API and form batches have no header row: name the columns after the record's JSON.
            header = ["记录 / Record"];
        }

        var rows = ReadAhead(stop => Pages(context, batch.Id, stop).Select(r =>
        {
            rowRead?.Invoke(r.RowNumber);
            return (r.RowNumber, UnprotectCells(r.CellsJson, protector), IntakeReasons.JoinMessages(r.ReasonsJson, english, "；"));
        }), cancellationToken);
        if (xlsx)
        {
            RejectsFileWriter.WriteXlsx(output, header, rows, ReasonHeader);
        }
        else
        {
            RejectsFileWriter.WriteCsv(output, header, rows, ReasonHeader);
        }
    }

    /// <summary>How many rows the reading thread hands over at a time, and how many such chunks may wait for the writer.</summary>
    private const int ChunkSize = 1_000, ChunksAhead = 4;

    /// <summary>
    /// <paramref name="source"/>'s items, produced on a thread of their own up to <see cref="ChunksAhead"/> chunks ahead of
    /// the caller. A failure of the source is thrown to the caller in its place; a caller that stops early (its own
    /// failure, or a cancel) stops the source and waits for its thread to end before going on.
    /// </summary>
    internal static IEnumerable<T> ReadAhead<T>(Func<CancellationToken, IEnumerable<T>> source, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var chunks = new BlockingCollection<T[]>(ChunksAhead);
        var reading = Task.Factory.StartNew(() =>
        {
            try
            {
                var chunk = new List<T>(ChunkSize);
                foreach (var item in source(stop.Token))
                {
                    chunk.Add(item);
                    if (chunk.Count == ChunkSize)
                    {
                        chunks.Add([.. chunk], stop.Token);
                        chunk.Clear();
                    }
                }

                if (chunk.Count > 0)
                {
                    chunks.Add([.. chunk], stop.Token);
                }
            }
            finally
            {
                chunks.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var finished = false;
        try
        {
            foreach (var chunk in chunks.GetConsumingEnumerable(cancellationToken))
            {
                foreach (var item in chunk)
                {
                    yield return item;
                }
            }

            finished = true;
            reading.GetAwaiter().GetResult(); // the source's own failure, if it had one
        }
        finally
        {
            if (!finished)
            {
                // The caller stopped early: its own exception (or a cancel) is what it reports, not the reader's
                // cancellation; the reader must be done with the database before the caller goes on.
                stop.Cancel();
                ((IAsyncResult)reading).AsyncWaitHandle.WaitOne();
            }
        }
    }
}
