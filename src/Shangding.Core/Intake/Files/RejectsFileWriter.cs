using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

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
    /// Streams an .xlsx: the package is written with <see cref="ZipArchive"/> in create mode and the sheet's XML
    /// straight to its entry as text (the SDK's SAX <c>OpenXmlWriter</c> took 9 s for a million rows, this 2–3 s),
    /// so memory stays flat however many rows and <paramref name="output"/> need not be seekable. Every cell is an inline string styled as text
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
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
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

    /// <summary>The worksheet's XML, written as text: every cell an inline string but the row number.</summary>
    private sealed class SheetXmlWriter(TextWriter writer, int width)
    {
        private const string TextStyle = "1";
        private const string HeaderStyle = "2";
        private const string ReasonStyle = "3";

        // Column letters by index, made as columns are first used (the header's width and any cells beyond it).
        private readonly List<string> _columns = [];
        private int _rowIndex;
        private readonly char[] _digits = new char[16];

        public void Write(IReadOnlyList<string> headerCells, IEnumerable<(int RowNumber, string?[] Cells, string Reason)> rows, string reasonHeader)
        {
            var last = (width + 2).ToString(CultureInfo.InvariantCulture);
            writer.Write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
            writer.Write("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">");
            writer.Write("<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>");
            writer.Write("<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>");
            writer.Write("<sheetFormatPr defaultRowHeight=\"15\"/>");
            writer.Write("<cols><col min=\"1\" max=\"1\" width=\"12\" customWidth=\"1\"/>");
            writer.Write($"<col min=\"2\" max=\"{Math.Max(2, width + 1).ToString(CultureInfo.InvariantCulture)}\" width=\"18\" style=\"1\" customWidth=\"1\"/>");
            writer.Write($"<col min=\"{last}\" max=\"{last}\" width=\"60\" style=\"3\" customWidth=\"1\"/></cols>");
            writer.Write("<sheetData>");

            StartRow();
            WriteText(0, RowNumberHeader, HeaderStyle);
            for (var i = 0; i < headerCells.Count; i++)
            {
                WriteText(i + 1, headerCells[i], HeaderStyle);
            }

            WriteText(width + 1, reasonHeader, HeaderStyle);
            writer.Write("</row>");

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

                writer.Write("</row>");
            }

            writer.Write("</sheetData></worksheet>");
            writer.Flush();
        }

        private void StartRow()
        {
            _rowIndex++;
            writer.Write("<row r=\"");
            WriteInt(_rowIndex);
            writer.Write("\">");
        }

        private void WriteReference(int column)
        {
            while (_columns.Count <= column)
            {
                _columns.Add(CellReference.ColumnName(_columns.Count));
            }

            writer.Write(" r=\"");
            writer.Write(_columns[column]);
            WriteInt(_rowIndex);
            writer.Write('"');
        }

        private void WriteInt(int value)
        {
            value.TryFormat(_digits, out var length, default, CultureInfo.InvariantCulture);
            writer.Write(_digits, 0, length);
        }

        private void WriteText(int column, string? value, string style)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            writer.Write("<c");
            WriteReference(column);
            writer.Write(" s=\"");
            writer.Write(style);
            writer.Write("\" t=\"inlineStr\"><is>");
            writer.Write(value[0] == ' ' || value[^1] == ' ' || value.Contains('\n', StringComparison.Ordinal) ? "<t xml:space=\"preserve\">" : "<t>");
            WriteEscaped(value);
            writer.Write("</t></is></c>");
        }

        private void WriteNumber(int column, int value)
        {
            writer.Write("<c");
            WriteReference(column);
            writer.Write("><v>");
            WriteInt(value);
            writer.Write("</v></c>");
        }

        /// <summary>
        /// The text with <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> escaped, and characters XML 1.0 cannot carry (control
        /// characters a clerk's system may have left) as U+FFFD.
        /// </summary>
        private void WriteEscaped(string value)
        {
            var span = value.AsSpan();
            var start = 0;
            for (var i = 0; i < span.Length; i++)
            {
                var c = span[i];
                string? replacement = c switch
                {
                    '&' => "&amp;",
                    '<' => "&lt;",
                    '>' => "&gt;",
                    _ when !XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c) => "\uFFFD",
                    _ => null,
                };
                if (replacement is null)
                {
                    continue;
                }

                writer.Write(span[start..i]);
                writer.Write(replacement);
                start = i + 1;
            }

            writer.Write(span[start..]);
        }
    }
}
