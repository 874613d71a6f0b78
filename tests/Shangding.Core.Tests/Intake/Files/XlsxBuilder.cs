using System.IO.Compression;
using System.Security;
using System.Text;
using Shangding.Core.Intake.Files;

namespace Shangding.Core.Tests.Intake.Files;

/// <summary>Builds .xlsx files from raw XML, so hostile and unusual workbooks need no binary fixtures.</summary>
internal sealed class XlsxBuilder
{
    private readonly List<(string Name, string? State, string SheetData, string[] Merges)> _sheets = [];
    private readonly List<(string Name, string Value)> _definedNames = [];
    private readonly Dictionary<string, byte[]> _extra = [];
    private string[]? _sharedStrings;
    private string? _stylesXml;

    public bool Date1904 { get; set; }

    public XlsxBuilder Sheet(string name, string sheetData, string? state = null, params string[] merges)
    {
        _sheets.Add((name, state, sheetData, merges));
        return this;
    }

    public XlsxBuilder SharedStrings(params string[] strings)
    {
        _sharedStrings = strings;
        return this;
    }

    private string? _declaredUniqueCount;

    /// <summary>The <c>uniqueCount</c> the shared-string table declares (by default, the true count).</summary>
    public XlsxBuilder DeclaredUniqueCount(string value)
    {
        _declaredUniqueCount = value;
        return this;
    }

    /// <summary>Raw <c>&lt;si&gt;</c> contents are allowed by passing strings that start with '&lt;'.</summary>
    public XlsxBuilder Styles(IEnumerable<(int Id, string Code)> numFmts, params int[] cellXfNumFmtIds)
    {
        var sb = new StringBuilder("<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">");
        var formats = numFmts.ToList();
        if (formats.Count > 0)
        {
            sb.Append($"<numFmts count=\"{formats.Count}\">");
            foreach (var (id, code) in formats)
            {
                sb.Append($"<numFmt numFmtId=\"{id}\" formatCode=\"{SecurityElement.Escape(code)}\"/>");
            }

            sb.Append("</numFmts>");
        }

        sb.Append("<fonts count=\"1\"><font/></fonts><fills count=\"1\"><fill/></fills><borders count=\"1\"><border/></borders>");
        sb.Append("<cellStyleXfs count=\"1\"><xf numFmtId=\"0\"/></cellStyleXfs>");
        sb.Append($"<cellXfs count=\"{cellXfNumFmtIds.Length}\">");
        foreach (var id in cellXfNumFmtIds)
        {
            sb.Append($"<xf numFmtId=\"{id}\" xfId=\"0\" applyNumberFormat=\"1\"/>");
        }

        sb.Append("</cellXfs></styleSheet>");
        _stylesXml = sb.ToString();
        return this;
    }

    public XlsxBuilder DefinedName(string name, string value)
    {
        _definedNames.Add((name, value));
        return this;
    }

    public XlsxBuilder Extra(string path, string content)
    {
        _extra[path] = Encoding.UTF8.GetBytes(content);
        return this;
    }

    public byte[] Build()
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, "[Content_Types].xml",
                "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                + "</Types>");
            Write(zip, "_rels/.rels",
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
                + "</Relationships>");

            var workbook = new StringBuilder("<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">");
            workbook.Append(Date1904 ? "<workbookPr date1904=\"1\"/>" : "<workbookPr/>");
            workbook.Append("<sheets>");
            var rels = new StringBuilder("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
            for (var i = 0; i < _sheets.Count; i++)
            {
                var (name, state, sheetData, merges) = _sheets[i];
                workbook.Append($"<sheet name=\"{SecurityElement.Escape(name)}\" sheetId=\"{i + 1}\"{(state is null ? string.Empty : $" state=\"{state}\"")} r:id=\"rId{i + 1}\"/>");
                rels.Append($"<Relationship Id=\"rId{i + 1}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{i + 1}.xml\"/>");
                var sheet = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" + sheetData + "</sheetData>"
                    + (merges.Length == 0 ? string.Empty : $"<mergeCells count=\"{merges.Length}\">" + string.Concat(merges.Select(m => $"<mergeCell ref=\"{m}\"/>")) + "</mergeCells>")
                    + "</worksheet>";
                Write(zip, $"xl/worksheets/sheet{i + 1}.xml", sheet);
            }

            workbook.Append("</sheets>");
            if (_definedNames.Count > 0)
            {
                workbook.Append("<definedNames>");
                foreach (var (name, value) in _definedNames)
                {
                    workbook.Append($"<definedName name=\"{name}\">{SecurityElement.Escape(value)}</definedName>");
                }

                workbook.Append("</definedNames>");
            }

            workbook.Append("</workbook>");
            Write(zip, "xl/workbook.xml", workbook.ToString());

            if (_sharedStrings is not null)
            {
                rels.Append("<Relationship Id=\"rIdS\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>");
                Write(zip, "xl/sharedStrings.xml",
                    $"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{_sharedStrings.Length}\" uniqueCount=\"{_declaredUniqueCount ?? _sharedStrings.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)}\">"
                    + string.Concat(_sharedStrings.Select(s => s.StartsWith('<') ? $"<si>{s}</si>" : $"<si><t xml:space=\"preserve\">{SecurityElement.Escape(s)}</t></si>"))
                    + "</sst>");
            }

            if (_stylesXml is not null)
            {
                rels.Append("<Relationship Id=\"rIdT\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>");
                Write(zip, "xl/styles.xml", _stylesXml);
            }

            rels.Append("</Relationships>");
            Write(zip, "xl/_rels/workbook.xml.rels", rels.ToString());
            foreach (var (path, content) in _extra)
            {
                var entry = zip.CreateEntry(path);
                using var stream = entry.Open();
                stream.Write(content);
            }
        }

        return memory.ToArray();
    }

    /// <summary>A row of inline-string cells, starting at column A.</summary>
    public static string Row(int number, params string?[] values)
    {
        var sb = new StringBuilder($"<row r=\"{number}\">");
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } v)
            {
                sb.Append($"<c r=\"{ColumnName(i)}{number}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{SecurityElement.Escape(v)}</t></is></c>");
            }
        }

        return sb.Append("</row>").ToString();
    }

    public static string ColumnName(int column)
    {
        var name = string.Empty;
        for (var n = column + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + ((n - 1) % 26)) + name;
        }

        return name;
    }

    private static void Write(ZipArchive zip, string path, string content)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
        using var stream = entry.Open();
        stream.Write(Encoding.UTF8.GetBytes(content));
    }
}

internal static class ReadHelper
{
    public static (ITabularSource Source, List<SourceRow> Rows) Read(byte[] bytes, string fileName = "upload.xlsx", IntakeFileLimits? limits = null)
    {
        var source = TabularReader.Open(new MemoryStream(bytes), fileName, limits ?? IntakeFileLimits.Default);
        var rows = source.ReadRows(TestContext.Current.CancellationToken).ToList();
        return (source, rows);
    }

    public static IntakeFileException Refusal(byte[] bytes, string fileName = "upload.xlsx", IntakeFileLimits? limits = null) =>
        Should.Throw<IntakeFileException>(() =>
        {
            using var source = TabularReader.Open(new MemoryStream(bytes), fileName, limits ?? IntakeFileLimits.Default);
            _ = source.ReadRows(TestContext.Current.CancellationToken).ToList();
        });
}
