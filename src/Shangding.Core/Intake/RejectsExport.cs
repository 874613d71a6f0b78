using Microsoft.EntityFrameworkCore;
using System.Text.Json;
using Shangding.Core.Data;
using Shangding.Core.Intake.Files;

namespace Shangding.Core.Intake;

/// <summary>Writes a batch's rejected rows — as uploaded, with the reason beside each — to xlsx or CSV.</summary>
public static class RejectsExport
{
    public const string ReasonHeader = "未通过原因 / Reason";

    /// <summary>Writes the rejects of <paramref name="batch"/>; reasons in Chinese, or English when <paramref name="english"/>.</summary>
    public static void Write(ShangdingDbContext context, IntakeBatch batch, Stream output, bool xlsx, bool english)
    {
        var header = batch.HeaderCellsJson is null
            ? []
            : JsonSerializer.Deserialize<List<string>>(batch.HeaderCellsJson) ?? [];
        var rows = context.IntakeRejects.AsNoTracking()
            .Where(r => r.BatchId == batch.Id)
            .OrderBy(r => r.RowNumber)
            .AsEnumerable()
            .Select(r => (r.RowNumber, Cells(r.CellsJson), string.Join("；", IntakeStore.ParseReasons(r.ReasonsJson).Select(x => x.Message(english)))));
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

    private static string?[] Cells(string json) =>
        JsonSerializer.Deserialize<string?[]>(json) ?? [];
}
