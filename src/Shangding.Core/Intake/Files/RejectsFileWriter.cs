using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Shangding.Core.Intake.Files;

/// <summary>
/// Writes the rejected rows of a batch as uploaded, with the reason beside each: columns 原行号
/// (row number), the original cells, then the reason. Cells beyond the header's width are written
/// after the reason column, so nothing the clerk uploaded is lost.
/// </summary>
public static class RejectsFileWriter
{
    private const string RowNumberHeader = "原行号 / Row";

    /// <summary>
    /// Streams an .xlsx: the package is written with <see cref="ZipArchive"/> in create mode and the sheet
    /// with the SDK's SAX <see cref="OpenXmlWriter"/>, so memory stays flat for 300,000 rows and
    /// <paramref name="output"/> need not be seekable. Every cell is an inline string styled as text
    /// (number format <c>@</c>), so an 18-digit ID stays text when the clerk edits and re-uploads it.
    /// </summary>
    public static void WriteXlsx(
        Stream output,
        IReadOnlyList<string> headerCells,
        IEnumerable<(int RowNumber, string?[] Cells, string Reason)> rows,
        string reasonHeader)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headerCells);
        ArgumentNullException.ThrowIfNull(rows);
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8);
        WritePart(zip, "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "</Types>");
        WritePart(zip, "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
            + "</Relationships>");
        WritePart(zip, "xl/workbook.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            + "<sheets><sheet name=\"未通过\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
        WritePart(zip, "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
            + "</Relationships>");
        WritePart(zip, "xl/styles.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
            + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"等线\"/><family val=\"2\"/><charset val=\"134\"/></font>"
            + "<font><b/><sz val=\"11\"/><name val=\"等线\"/><family val=\"2\"/><charset val=\"134\"/></font></fonts>"
            + "<fills count=\"3\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill>"
            + "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFFCE4D6\"/><bgColor indexed=\"64\"/></patternFill></fill></fills>"
            + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
            + "<cellXfs count=\"4\">"
            + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
            + "<xf numFmtId=\"49\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
            + "<xf numFmtId=\"49\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyFont=\"1\"/>"
            + "<xf numFmtId=\"49\" fontId=\"0\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyFill=\"1\" applyAlignment=\"1\"><alignment wrapText=\"1\" vertical=\"top\"/></xf>"
            + "</cellXfs>"
            + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
            + "</styleSheet>");

        var entry = zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.Fastest);
        using var stream = entry.Open();
        using var writer = OpenXmlWriter.Create(stream);
        new SheetXmlWriter(writer, headerCells.Count).Write(headerCells, rows, reasonHeader);
    }

    /// <summary>CSV in UTF-8 with a BOM (so Chinese Excel detects the encoding), CRLF line ends, RFC 4180 quoting.</summary>
    public static void WriteCsv(
        Stream output,
        IReadOnlyList<string> headerCells,
        IEnumerable<(int RowNumber, string?[] Cells, string Reason)> rows,
        string reasonHeader)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headerCells);
        ArgumentNullException.ThrowIfNull(rows);
        using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16, leaveOpen: true);
        var width = headerCells.Count;
        writer.Write(Quote(RowNumberHeader));
        foreach (var header in headerCells)
        {
            writer.Write(',');
            writer.Write(Quote(header));
        }

        writer.Write(',');
        writer.Write(Quote(reasonHeader));
        writer.Write("\r\n");
        foreach (var (rowNumber, cells, reason) in rows)
        {
            writer.Write(rowNumber.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < width; i++)
            {
                writer.Write(',');
                writer.Write(Quote(i < cells.Length ? cells[i] : null));
            }

            writer.Write(',');
            writer.Write(Quote(reason));
            for (var i = width; i < cells.Length; i++)
            {
                writer.Write(',');
                writer.Write(Quote(cells[i]));
            }

            writer.Write("\r\n");
        }
    }

    private static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        // A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with an
        // apostrophe (OWASP CSV injection); plain numbers such as -5 are left as they are.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
            && !decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value[0] == ' ' || value[^1] == ' '
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }

    private static void WritePart(ZipArchive zip, string name, string xml)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var stream = entry.Open();
        stream.Write(Encoding.UTF8.GetBytes(xml));
    }

    private sealed class SheetXmlWriter(OpenXmlWriter writer, int width)
    {
        private const string TextStyle = "1";
        private const string HeaderStyle = "2";
        private const string ReasonStyle = "3";

        // SAX writing only reads an element's name from these, so one instance of each serves every row.
        private readonly Row _row = new();
        private readonly Cell _cell = new();
        private readonly InlineString _inline = new();
        private readonly Text _text = new();
        private readonly CellValue _value = new();
        private readonly OpenXmlAttribute[] _rowAttributes = [new("r", string.Empty, string.Empty)];
        private readonly OpenXmlAttribute[] _preserve = [new("xml", "space", "http://www.w3.org/XML/1998/namespace", "preserve")];
        private int _rowIndex;

        public void Write(IReadOnlyList<string> headerCells, IEnumerable<(int RowNumber, string?[] Cells, string Reason)> rows, string reasonHeader)
        {
            writer.WriteStartDocument(true);
            writer.WriteStartElement(new Worksheet(), [], [new("r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships")]);
            writer.WriteElement(new SheetViews(new SheetView(
                new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
                new Selection { Pane = PaneValues.BottomLeft, ActiveCell = "A2", SequenceOfReferences = new ListValue<StringValue> { InnerText = "A2" } })
            { WorkbookViewId = 0, TabSelected = true }));
            writer.WriteElement(new SheetFormatProperties { DefaultRowHeight = 15 });
            writer.WriteElement(new Columns(
                new Column { Min = 1, Max = 1, Width = 12, CustomWidth = true },
                new Column { Min = 2, Max = (uint)Math.Max(2, width + 1), Width = 18, CustomWidth = true, Style = 1 },
                new Column { Min = (uint)(width + 2), Max = (uint)(width + 2), Width = 60, CustomWidth = true, Style = 3 }));
            writer.WriteStartElement(new SheetData());

            StartRow();
            WriteText(0, RowNumberHeader, HeaderStyle);
            for (var i = 0; i < headerCells.Count; i++)
            {
                WriteText(i + 1, headerCells[i], HeaderStyle);
            }

            WriteText(width + 1, reasonHeader, HeaderStyle);
            writer.WriteEndElement();

            foreach (var (rowNumber, cells, reason) in rows)
            {
                StartRow();
                WriteNumber(0, rowNumber);
                for (var i = 0; i < Math.Min(width, cells.Length); i++)
                {
                    WriteText(i + 1, cells[i], TextStyle);
                }

                WriteText(width + 1, reason, ReasonStyle);
                for (var i = width; i < cells.Length; i++)
                {
                    WriteText(i + 2, cells[i], TextStyle);
                }

                writer.WriteEndElement();
            }

            writer.WriteEndElement(); // sheetData
            writer.WriteEndElement(); // worksheet
            writer.Close();
        }

        private void StartRow()
        {
            _rowIndex++;
            _rowAttributes[0] = new OpenXmlAttribute("r", string.Empty, _rowIndex.ToString(CultureInfo.InvariantCulture));
            writer.WriteStartElement(_row, _rowAttributes);
        }

        private void WriteText(int column, string? value, string style)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            writer.WriteStartElement(_cell,
            [
                new("r", string.Empty, CellReference.Name(column, _rowIndex)),
                new("s", string.Empty, style),
                new("t", string.Empty, "inlineStr"),
            ]);
            writer.WriteStartElement(_inline);
            var clean = XmlSafe(value);
            if (clean[0] == ' ' || clean[^1] == ' ' || clean.Contains('\n', StringComparison.Ordinal))
            {
                writer.WriteStartElement(_text, _preserve);
            }
            else
            {
                writer.WriteStartElement(_text);
            }

            writer.WriteString(clean);
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        private void WriteNumber(int column, int value)
        {
            writer.WriteStartElement(_cell, [new("r", string.Empty, CellReference.Name(column, _rowIndex))]);
            writer.WriteStartElement(_value);
            writer.WriteString(value.ToString(CultureInfo.InvariantCulture));
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        /// <summary>Characters XML 1.0 cannot carry (control characters a clerk's system may have left) become U+FFFD.</summary>
        private static string XmlSafe(string value)
        {
            foreach (var c in value)
            {
                if (!XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c))
                {
                    return string.Create(value.Length, value, (span, source) =>
                    {
                        for (var i = 0; i < source.Length; i++)
                        {
                            span[i] = XmlConvert.IsXmlChar(source[i]) || char.IsSurrogate(source[i]) ? source[i] : '\uFFFD';
                        }
                    });
                }
            }

            return value;
        }
    }
}
