using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Shangding.Web.Tests.Infrastructure;

/// <summary>Fills a downloaded template the way a clerk does: text typed into the data sheet from row 3.</summary>
public static class TemplateFiller
{
    public static byte[] Fill(byte[] template, IEnumerable<string?[]> rows)
    {
        using var stream = new MemoryStream();
        stream.Write(template);
        stream.Position = 0;
        using (var document = SpreadsheetDocument.Open(stream, true))
        {
            var part = document.WorkbookPart!.WorksheetParts.First(p => p.Worksheet.Descendants<Text>().Any(t => t.Text == "record_key"));
            var data = part.Worksheet.GetFirstChild<SheetData>()!;
            uint index = 3;
            foreach (var values in rows)
            {
                var row = new Row { RowIndex = index };
                for (var c = 0; c < values.Length; c++)
                {
                    if (values[c] is { } value)
                    {
                        row.Append(new Cell(new InlineString(new Text(value))) { CellReference = Column(c) + index, DataType = CellValues.InlineString });
                    }
                }

                data.Append(row);
                index++;
            }

            part.Worksheet.Save();
        }

        return stream.ToArray();
    }

    private static string Column(int index) => Shangding.Core.Intake.ColumnMap.ColumnName(index);
}
