using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Shangding.Browser.Tests;

/// <summary>Types rows into a downloaded template's data sheet from row 3, as a clerk does in Excel.</summary>
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
                        row.Append(new Cell(new InlineString(new Text(value))) { CellReference = (char)('A' + c) + index.ToString(System.Globalization.CultureInfo.InvariantCulture), DataType = CellValues.InlineString });
                    }
                }

                data.Append(row);
                index++;
            }

            part.Worksheet.Save();
        }

        return stream.ToArray();
    }
}
