using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Shangding.Core.Intake.Files;

/// <summary>
/// A streaming .xlsx reader over <see cref="ZipArchive"/> and <see cref="XmlReader"/>: only the shared
/// strings and the style table are held in memory, worksheet rows are read one at a time.
/// </summary>
/// <remarks>
/// Merged cells: <c>&lt;mergeCells&gt;</c> comes after <c>&lt;sheetData&gt;</c> in the sheet part, so
/// while streaming rows their merges are not yet known. Before streaming, the sheet part is therefore
/// decompressed once and scanned as raw bytes for <c>mergeCell</c> elements (no XML parsing: cell text
/// cannot contain a raw '&lt;', so the byte pattern only matches real elements). That costs one extra
/// inflate of the sheet — measured at a small fraction of the parse — and lets every merged region's
/// value be repeated into each of its cells with a <see cref="CellNoteKind.MergedCell"/> note.
/// </remarks>
internal sealed class XlsxSource : ITabularSource
{
    private const string TemplateListsSheet = "lists";
    private const string TemplateInstructionsSheet = "填表说明";
    private const long RatioCheckMinimumBytes = 10L << 20;
    private const int MaxMergeRanges = 100_000;

    private readonly Stream _input;
    private readonly bool _ownsInput;
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly IntakeFileLimits _limits;
    private readonly ByteBudget _budget;
    private readonly List<string> _warnings = [];
    private readonly NameTable _names = new();
    private readonly Names _n;
    private StringTable _sharedStrings = new();
    private NumberFormats.DateKind[] _styleDates = [];
    private bool _date1904;
    private string _sheetPart = string.Empty;
    private List<MergeRange> _merges = [];
    private bool _read;

    private XlsxSource(Stream input, bool ownsInput, ZipArchive zip, IntakeFileLimits limits)
    {
        _input = input;
        _ownsInput = ownsInput;
        _zip = zip;
        _limits = limits;
        _budget = new ByteBudget(limits.MaxUncompressedBytes);
        _entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in zip.Entries)
        {
            _entries.TryAdd(entry.FullName.Replace('\\', '/').TrimStart('/'), entry);
        }

        _n = new Names(_names);
        BytesTotal = input.Length;
    }

    public string Format => "xlsx";

    public string? TemplateCategory { get; private set; }

    public IReadOnlyList<string> Warnings => _warnings;

    public long BytesTotal { get; }

    public double Progress => _sheetStream is { } sheet && _sheetLength > 0 ? Math.Min(1, sheet.BytesRead / (double)_sheetLength) : 0;

    // The worksheet's part as it is read, and its uncompressed size as the zip declares it (for Progress only).
    private LimitedReadStream? _sheetStream;
    private long _sheetLength;

    public static XlsxSource Open(Stream input, bool ownsInput, string fileName, IntakeFileLimits limits)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(input, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw FileMessages.Corrupt("zip", e);
        }

        var source = new XlsxSource(input, ownsInput, zip, limits);
        try
        {
            source.Initialise(fileName);
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    public IEnumerable<SourceRow> ReadRows(CancellationToken cancellationToken)
    {
        if (_read)
        {
            throw new InvalidOperationException("ReadRows streams the sheet once; open the file again to re-read it.");
        }

        _read = true;
        return ReadRowsIterator(cancellationToken);
    }

    public void Dispose()
    {
        _zip.Dispose();
        if (_ownsInput)
        {
            _input.Dispose();
        }
    }

    private IEnumerable<SourceRow> ReadRowsIterator(CancellationToken cancellationToken)
    {
        // The sheet's part is kept to tell Progress how much of its XML has been read.
        var part = OpenPart(_sheetPart, _budget);
        (_sheetStream, _sheetLength) = (part, _entries[_sheetPart].Length);
        using var sheet = new SheetReader(this, XmlReader.Create(part, XmlSettings));
        var returned = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = sheet.Next();
            if (row is null)
            {
                break;
            }

            if (++returned > _limits.MaxRows)
            {
                throw FileMessages.TooManyRows(_limits);
            }

            yield return row;
        }

        if (returned == 0)
        {
            throw FileMessages.NoData();
        }
    }

    private void Initialise(string fileName)
    {
        if (_entries.Keys.Any(k => k.EndsWith("vbaProject.bin", StringComparison.OrdinalIgnoreCase)))
        {
            throw FileMessages.MacroWorkbook();
        }

        var workbookPart = FindWorkbookPart();
        if (workbookPart is null || !_entries.ContainsKey(workbookPart))
        {
            throw NotAWorkbook(fileName);
        }

        if (_entries.ContainsKey("[Content_Types].xml") && ContentTypesSayMacro())
        {
            throw FileMessages.MacroWorkbook();
        }

        var sheets = ReadWorkbook(workbookPart);
        var rels = ReadRelationships(workbookPart);

        var worksheets = sheets
            .Select(s => (Sheet: s, Rel: rels.GetValueOrDefault(s.RelId)))
            .Where(s => s.Rel.Type?.EndsWith("/worksheet", StringComparison.Ordinal) == true && _entries.ContainsKey(s.Rel.Target))
            .ToList();
        if (worksheets.Count == 0)
        {
            throw FileMessages.NoData();
        }

        var chosen = worksheets.FirstOrDefault(s => s.Sheet.Visible);
        if (chosen.Sheet is null)
        {
            chosen = worksheets[0];
        }

        var isTemplate = TemplateCategory is not null;
        foreach (var (sheet, _) in worksheets)
        {
            if (!sheet.Visible && sheet != chosen.Sheet && !(isTemplate && sheet.Name == TemplateListsSheet))
            {
                _warnings.Add(FileMessages.HiddenSheetIgnored(sheet.Name));
            }
        }

        var otherVisible = worksheets
            .Where(s => s.Sheet.Visible && s.Sheet != chosen.Sheet && !(isTemplate && s.Sheet.Name == TemplateInstructionsSheet))
            .Select(s => s.Sheet.Name)
            .ToList();
        if (otherVisible.Count > 0)
        {
            _warnings.Add(FileMessages.OtherSheetsIgnored(chosen.Sheet.Name, otherVisible));
        }

        _sheetPart = chosen.Rel.Target;

        var sharedStringsPart = rels.Values.FirstOrDefault(r => r.Type?.EndsWith("/sharedStrings", StringComparison.Ordinal) == true).Target
            ?? "xl/sharedStrings.xml";
        if (_entries.ContainsKey(sharedStringsPart))
        {
            ReadSharedStrings(sharedStringsPart);
        }

        var stylesPart = rels.Values.FirstOrDefault(r => r.Type?.EndsWith("/styles", StringComparison.Ordinal) == true).Target
            ?? "xl/styles.xml";
        if (_entries.ContainsKey(stylesPart))
        {
            ReadStyles(stylesPart);
        }

        _merges = ScanMerges(_sheetPart);
    }

    private IntakeFileException NotAWorkbook(string fileName)
    {
        if (_entries.ContainsKey("word/document.xml"))
        {
            return FileMessages.NotASpreadsheet(fileName, "一个 Word 文档（.docx）", "a Word document (.docx)");
        }

        if (_entries.ContainsKey("ppt/presentation.xml"))
        {
            return FileMessages.NotASpreadsheet(fileName, "一个 PowerPoint 演示文稿（.pptx）", "a PowerPoint presentation (.pptx)");
        }

        if (_entries.ContainsKey("content.xml") && _entries.ContainsKey("mimetype"))
        {
            return FileMessages.NotASpreadsheet(
                fileName, "一个 OpenDocument 文件（如 WPS/LibreOffice 的 .ods），请另存为 .xlsx", "an OpenDocument file (e.g. .ods); save it as .xlsx");
        }

        return FileMessages.NotASpreadsheet(fileName, "一个压缩包（zip）", "a zip archive");
    }

    private string? FindWorkbookPart()
    {
        if (_entries.ContainsKey("_rels/.rels"))
        {
            foreach (var rel in ReadRelationshipsOf("_rels/.rels", string.Empty).Values)
            {
                if (rel.Type?.EndsWith("/officeDocument", StringComparison.Ordinal) == true)
                {
                    return rel.Target;
                }
            }
        }

        return _entries.ContainsKey("xl/workbook.xml") ? "xl/workbook.xml" : null;
    }

    private bool ContentTypesSayMacro()
    {
        const string part = "[Content_Types].xml";
        return Guard(part, () =>
        {
            using var reader = OpenXml(part);
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element
                    && reader.GetAttribute("ContentType")?.Contains("macroEnabled", StringComparison.OrdinalIgnoreCase) == true)
                {
                    return true;
                }
            }

            return false;
        });
    }

    private List<SheetInfo> ReadWorkbook(string part) => Guard(part, () =>
    {
        var sheets = new List<SheetInfo>();
        using var reader = OpenXml(part);
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            switch (reader.LocalName)
            {
                case "workbookPr":
                    var date1904 = reader.GetAttribute("date1904");
                    _date1904 = date1904 is "1" or "true";
                    break;
                case "sheet":
                    string? name = null, state = null, relId = null;
                    while (reader.MoveToNextAttribute())
                    {
                        switch (reader.LocalName)
                        {
                            case "name":
                                name = reader.Value;
                                break;
                            case "state":
                                state = reader.Value;
                                break;
                            case "id" when reader.NamespaceURI.Length > 0:
                                relId = reader.Value;
                                break;
                            default:
                                break;
                        }
                    }

                    reader.MoveToElement();
                    if (name is not null && relId is not null)
                    {
                        sheets.Add(new SheetInfo(name, relId, state is null or "visible"));
                    }

                    break;
                case "definedName" when reader.GetAttribute("name") == "SD_CATEGORY":
                    TemplateCategory = ParseStringFormula(reader.ReadElementContentAsString());
                    break;
                default:
                    break;
            }
        }

        return sheets;
    });

    /// <summary>A defined name holding a string constant is written as the formula <c>"P-ARREARS-WATER"</c>.</summary>
    private static string? ParseStringFormula(string formula)
    {
        var text = formula.Trim();
        if (text.StartsWith('='))
        {
            text = text[1..];
        }

        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            text = text[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        }

        return text.Length is > 0 and <= 64 ? text : null;
    }

    private Dictionary<string, Relationship> ReadRelationships(string part)
    {
        var slash = part.LastIndexOf('/');
        var directory = slash < 0 ? string.Empty : part[..(slash + 1)];
        var relsPart = directory + "_rels/" + part[(slash + 1)..] + ".rels";
        return _entries.ContainsKey(relsPart) ? ReadRelationshipsOf(relsPart, directory) : [];
    }

    private Dictionary<string, Relationship> ReadRelationshipsOf(string relsPart, string baseDirectory) => Guard(relsPart, () =>
    {
        var result = new Dictionary<string, Relationship>(StringComparer.Ordinal);
        using var reader = OpenXml(relsPart);
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Relationship"
                && reader.GetAttribute("Id") is { } id && reader.GetAttribute("Target") is { } target
                && reader.GetAttribute("TargetMode") != "External")
            {
                result.TryAdd(id, new Relationship(ResolveTarget(baseDirectory, target), reader.GetAttribute("Type")));
            }
        }

        return result;
    });

    private static string ResolveTarget(string baseDirectory, string target)
    {
        var path = target.StartsWith('/') ? target[1..] : baseDirectory + target;
        var parts = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/'))
        {
            if (segment == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (segment is not ("." or ""))
            {
                parts.Add(segment);
            }
        }

        return string.Join('/', parts);
    }

    private void ReadSharedStrings(string part) => Guard(part, () =>
    {
        using var reader = OpenXml(part);
        var strings = new StringTable();
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && ReferenceEquals(reader.LocalName, _n.Sst) &&
                int.TryParse(reader.GetAttribute("uniqueCount"), NumberStyles.None, CultureInfo.InvariantCulture, out var declared))
            {
                // Excel declares how many strings follow; sized for them (never beyond the limit), the table is not
                // grown by doubling, which left each outgrown array as garbage until a full collection.
                strings.Reserve(Math.Min(declared, _limits.MaxSharedStrings));
            }
            else if (reader.NodeType == XmlNodeType.Element && ReferenceEquals(reader.LocalName, _n.Si))
            {
                if (strings.Count >= _limits.MaxSharedStrings)
                {
                    throw new IntakeFileException(
                        FileRefusal.TooLarge,
                        $"文件中不同文本的数量超过上限 {_limits.MaxSharedStrings:N0} 个。请分成多个文件上传。",
                        $"The file holds more than {_limits.MaxSharedStrings:N0} distinct texts; split it into several files.");
                }

                strings.Add(ReadRichText(reader));
            }
        }

        _sharedStrings = strings;
        return true;
    });

    private void ReadStyles(string part) => Guard(part, () =>
    {
        var custom = new Dictionary<int, NumberFormats.DateKind>();
        var xfs = new List<NumberFormats.DateKind>();
        using var reader = OpenXml(part);
        var cellXfsDepth = -1;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == cellXfsDepth)
            {
                cellXfsDepth = -1;
                continue;
            }

            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            switch (reader.LocalName)
            {
                case "numFmt":
                    if (int.TryParse(reader.GetAttribute("numFmtId"), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                    {
                        custom[id] = NumberFormats.Custom(reader.GetAttribute("formatCode") ?? string.Empty);
                    }

                    break;
                case "cellXfs" when !reader.IsEmptyElement:
                    cellXfsDepth = reader.Depth;
                    break;
                case "xf" when cellXfsDepth >= 0 && reader.Depth == cellXfsDepth + 1:
                    _ = int.TryParse(reader.GetAttribute("numFmtId"), NumberStyles.None, CultureInfo.InvariantCulture, out var formatId);
                    xfs.Add(custom.TryGetValue(formatId, out var kind) ? kind : NumberFormats.BuiltIn(formatId));
                    break;
                default:
                    break;
            }
        }

        _styleDates = [.. xfs];
        return true;
    });

    /// <summary>Finds <c>mergeCell ref="…"</c> in the raw bytes of the sheet part; see the class remarks.</summary>
    private List<MergeRange> ScanMerges(string part) => Guard(part, () =>
    {
        var merges = new List<MergeRange>();
        var pattern = "mergeCell"u8;
        var ownBudget = new ByteBudget(_limits.MaxUncompressedBytes);
        using var stream = OpenPart(part, ownBudget);
        var buffer = new byte[1 << 16];
        var filled = 0;
        var atEnd = false;
        while (!atEnd)
        {
            var read = stream.Read(buffer, filled, buffer.Length - filled);
            atEnd = read == 0;
            filled += read;
            var span = buffer.AsSpan(0, filled);
            var consumed = 0;
            while (true)
            {
                var hit = span[consumed..].IndexOf(pattern);
                if (hit < 0)
                {
                    consumed = Math.Max(consumed, filled - pattern.Length);
                    break;
                }

                var at = consumed + hit;
                if (!atEnd && at + 512 > filled)
                {
                    consumed = at; // the element may straddle the buffer end: read more first
                    break;
                }

                consumed = at + pattern.Length;
                var after = at + pattern.Length;
                var before = at > 0 ? span[at - 1] : (byte)0;
                if (after < filled && span[after] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' && before is (byte)'<' or (byte)':'
                    && ExtractRef(span.Slice(after, Math.Min(512, filled - after))) is { } reference
                    && MergeRange.TryParse(reference, _limits.MaxColumns, out var range))
                {
                    if (merges.Count >= MaxMergeRanges)
                    {
                        throw FileMessages.Corrupt(part + " (mergeCells)");
                    }

                    merges.Add(range);
                }
            }

            if (consumed < filled)
            {
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            }

            filled -= consumed;
        }

        return merges;
    });

    private static string? ExtractRef(ReadOnlySpan<byte> element)
    {
        var end = element.IndexOf((byte)'>');
        if (end >= 0)
        {
            element = element[..end];
        }

        var at = element.IndexOf(" ref="u8);
        if (at < 0)
        {
            at = element.IndexOf("\tref="u8);
        }

        if (at < 0 || at + 6 >= element.Length)
        {
            return null;
        }

        var quote = element[at + 5];
        var value = element[(at + 6)..];
        var close = value.IndexOf(quote);
        return close < 0 ? null : Encoding.ASCII.GetString(value[..close]);
    }

    private LimitedReadStream OpenPart(string part, ByteBudget budget)
    {
        var entry = _entries[part];
        if (entry.Length > RatioCheckMinimumBytes
            && (entry.CompressedLength == 0 || entry.Length / (double)entry.CompressedLength > _limits.MaxCompressionRatio))
        {
            throw FileMessages.ZipBomb(part, _limits);
        }

        if (entry.Length > _limits.MaxUncompressedBytes)
        {
            throw FileMessages.ZipBomb(part, _limits);
        }

        return new LimitedReadStream(entry.Open(), budget, () => FileMessages.ZipBomb(part, _limits), () => FileMessages.Corrupt(part));
    }

    private XmlReader OpenXml(string part) => XmlReader.Create(OpenPart(part, _budget), XmlSettings);

    private XmlReaderSettings XmlSettings => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CheckCharacters = false,
        CloseInput = true,
        NameTable = _names,
        MaxCharactersFromEntities = 1024,
    };

    /// <summary>Text of a <c>&lt;si&gt;</c> or <c>&lt;is&gt;</c>: its <c>&lt;t&gt;</c> and runs, without phonetic guides. Leaves the reader on the end tag.</summary>
    private string ReadRichText(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            return string.Empty;
        }

        var depth = reader.Depth;
        string? single = null;
        StringBuilder? builder = null;
        reader.Read();
        while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) && !reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                var name = reader.LocalName;
                if (ReferenceEquals(name, _n.T))
                {
                    var text = reader.ReadElementContentAsString();
                    if (single is null && builder is null)
                    {
                        single = text;
                    }
                    else
                    {
                        (builder ??= new StringBuilder(single)).Append(text);
                    }

                    continue;
                }

                if (ReferenceEquals(name, _n.RPh) || ReferenceEquals(name, _n.PhoneticPr))
                {
                    reader.Skip();
                    continue;
                }
            }

            reader.Read();
        }

        return builder?.ToString() ?? single ?? string.Empty;
    }

    private static T Guard<T>(string part, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is XmlException or InvalidDataException or IOException or FormatException or OverflowException)
        {
            throw FileMessages.Corrupt(part, e);
        }
    }

    private sealed record SheetInfo(string Name, string RelId, bool Visible);

    private readonly record struct Relationship(string Target, string? Type);

    private sealed class Names(XmlNameTable table)
    {
        public string Row { get; } = table.Add("row");
        public string C { get; } = table.Add("c");
        public string V { get; } = table.Add("v");
        public string F { get; } = table.Add("f");
        public string Is { get; } = table.Add("is");
        public string T { get; } = table.Add("t");
        public string R { get; } = table.Add("r");
        public string S { get; } = table.Add("s");
        public string RPh { get; } = table.Add("rPh");
        public string PhoneticPr { get; } = table.Add("phoneticPr");
        public string Si { get; } = table.Add("si");

        public string Sst { get; } = table.Add("sst");
    }

    /// <summary>Streams the rows of one worksheet part.</summary>
    private sealed class SheetReader : IDisposable
    {
        private readonly XlsxSource _source;
        private readonly XmlReader _reader;
        private readonly Names _n;
        private readonly IntakeFileLimits _limits;
        private readonly string?[] _scratch;
        private readonly MergeFiller _merges;
        private readonly CellNote?[] _dateNotes;
        private readonly CellNote?[] _formulaNotes;
        private readonly CellNote?[] _mergeNotes;
        private int _lastRow;

        public SheetReader(XlsxSource source, XmlReader reader)
        {
            _source = source;
            _reader = reader;
            _n = source._n;
            _limits = source._limits;
            _scratch = new string?[_limits.MaxColumns];
            _merges = new MergeFiller(source._merges);
            _dateNotes = new CellNote?[_limits.MaxColumns];
            _formulaNotes = new CellNote?[_limits.MaxColumns];
            _mergeNotes = new CellNote?[_limits.MaxColumns];
        }

        public void Dispose() => _reader.Dispose();

        /// <summary>The next non-empty row, or null at the end of the sheet.</summary>
        public SourceRow? Next() => Guard(_source._sheetPart, () =>
        {
            while (_reader.Read())
            {
                if (_reader.NodeType == XmlNodeType.Element && ReferenceEquals(_reader.LocalName, _n.Row))
                {
                    if (ReadRow() is { } row)
                    {
                        return row;
                    }
                }
            }

            return null;
        });

        private SourceRow? ReadRow()
        {
            var rowNumber = _lastRow + 1;
            if (_reader.GetAttribute("r") is { } r
                && int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 1 and <= CellReference.ExcelMaxRows)
            {
                rowNumber = parsed;
            }

            _lastRow = rowNumber;
            if (_reader.IsEmptyElement)
            {
                return null;
            }

            var depth = _reader.Depth;
            var maxColumn = -1;
            var nextColumn = 0;
            List<CellNote>? notes = null;
            while (_reader.Read())
            {
                if (_reader.NodeType == XmlNodeType.EndElement && _reader.Depth == depth)
                {
                    break;
                }

                if (_reader.NodeType == XmlNodeType.Element && ReferenceEquals(_reader.LocalName, _n.C))
                {
                    var column = ReadCell(rowNumber, nextColumn, ref notes);
                    nextColumn = column + 1;
                    if (column > maxColumn && _scratch[column] is not null)
                    {
                        maxColumn = column;
                    }
                }
            }

            if (notes is not null)
            {
                // An error value or a formula without value is still something the clerk filled in.
                maxColumn = Math.Max(maxColumn, notes.Max(n => n.Column));
            }

            if (maxColumn < 0)
            {
                return null;
            }

            var cells = new string?[maxColumn + 1];
            Array.Copy(_scratch, cells, cells.Length);
            Array.Clear(_scratch, 0, cells.Length);
            if (!_merges.IsEmpty)
            {
                cells = _merges.Apply(rowNumber, cells, ref notes, MergeNote);
            }

            return new SourceRow(rowNumber, cells, notes is null ? [] : notes);
        }

        /// <returns>The 0-based column of the cell.</returns>
        private int ReadCell(int rowNumber, int nextColumn, ref List<CellNote>? notes)
        {
            string? reference = null, type = null, style = null;
            if (_reader.MoveToFirstAttribute())
            {
                do
                {
                    var name = _reader.LocalName;
                    if (ReferenceEquals(name, _n.R))
                    {
                        reference = _reader.Value;
                    }
                    else if (ReferenceEquals(name, _n.T))
                    {
                        type = _reader.Value;
                    }
                    else if (ReferenceEquals(name, _n.S))
                    {
                        style = _reader.Value;
                    }
                }
                while (_reader.MoveToNextAttribute());

                _reader.MoveToElement();
            }

            var column = nextColumn;
            if (reference is not null && CellReference.TryParse(reference, out var parsedColumn, out _))
            {
                column = parsedColumn;
            }

            if (_reader.IsEmptyElement)
            {
                return Math.Min(column, _limits.MaxColumns - 1);
            }

            string? value = null, inline = null;
            var formula = false;
            var depth = _reader.Depth;
            _reader.Read();
            while (!(_reader.NodeType == XmlNodeType.EndElement && _reader.Depth == depth) && !_reader.EOF)
            {
                if (_reader.NodeType == XmlNodeType.Element)
                {
                    var name = _reader.LocalName;
                    if (ReferenceEquals(name, _n.V))
                    {
                        value = _reader.ReadElementContentAsString();
                        continue;
                    }

                    if (ReferenceEquals(name, _n.F))
                    {
                        formula = true;
                        _reader.Skip();
                        continue;
                    }

                    if (ReferenceEquals(name, _n.Is))
                    {
                        inline = _source.ReadRichText(_reader);
                    }
                    else
                    {
                        _reader.Skip();
                        continue;
                    }
                }

                _reader.Read();
            }

            if (value is null && inline is null && !formula)
            {
                return Math.Min(column, _limits.MaxColumns - 1); // a styled but empty cell
            }

            if (column >= _limits.MaxColumns)
            {
                throw FileMessages.TooManyColumns(CellReference.Name(column, rowNumber), _limits);
            }

            string? text;
            switch (type)
            {
                case "s":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= _source._sharedStrings.Count)
                    {
                        throw FileMessages.Corrupt($"{_source._sheetPart} {CellReference.Name(column, rowNumber)}");
                    }

                    if (_source._sharedStrings.LengthOf(index) > _limits.MaxCellCharacters)
                    {
                        throw FileMessages.CellTooLong(CellReference.Name(column, rowNumber), _source._sharedStrings.LengthOf(index), _limits);
                    }

                    text = _source._sharedStrings.Get(index);
                    break;
                case "inlineStr":
                    text = inline ?? value;
                    break;
                case "str" or "d":
                    text = value;
                    break;
                case "b":
                    text = value switch { "1" or "true" => "TRUE", "0" or "false" => "FALSE", _ => value };
                    break;
                case "e":
                    (notes ??= []).Add(FileMessages.ErrorValue(column, CellReference.Name(column, rowNumber), value ?? "#VALUE!"));
                    _scratch[column] = null;
                    return column;
                default:
                    text = value is null ? null : FormatNumber(value, style, column, rowNumber, ref notes);
                    break;
            }

            if (formula)
            {
                if (value is null && inline is null)
                {
                    (notes ??= []).Add(FileMessages.FormulaWithoutValue(column, CellReference.Name(column, rowNumber)));
                }
                else
                {
                    (notes ??= []).Add(_formulaNotes[column] ??= FileMessages.FormulaCachedValue(column));
                }
            }

            if (text is { Length: 0 })
            {
                text = null;
            }

            if (text is not null && text.Length > _limits.MaxCellCharacters)
            {
                throw FileMessages.CellTooLong(CellReference.Name(column, rowNumber), text.Length, _limits);
            }

            _scratch[column] = text;
            return column;
        }

        private string FormatNumber(string raw, string? style, int column, int rowNumber, ref List<CellNote>? notes)
        {
            if (style is not null
                && int.TryParse(style, NumberStyles.None, CultureInfo.InvariantCulture, out var styleIndex)
                && styleIndex < _source._styleDates.Length
                && _source._styleDates[styleIndex] is var kind and not NumberFormats.DateKind.None
                && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var serial)
                && CellValues.FormatDateSerial(serial, _source._date1904, kind == NumberFormats.DateKind.TimeOnly) is { } date)
            {
                (notes ??= []).Add(_dateNotes[column] ??= FileMessages.DateConverted(column));
                return date;
            }

            var text = CellValues.FormatNumber(raw, out var numberKind);
            if (numberKind == CellValues.NumberKind.LostPrecision)
            {
                (notes ??= []).Add(FileMessages.LostPrecision(column, CellReference.Name(column, rowNumber), text));
            }

            return text;
        }

        private CellNote MergeNote(int column) =>
            column < _mergeNotes.Length ? _mergeNotes[column] ??= FileMessages.Merged(column) : FileMessages.Merged(column);
    }
}
