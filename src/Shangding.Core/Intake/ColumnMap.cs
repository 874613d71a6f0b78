using System.Globalization;
using Shangding.Core.Catalog;

namespace Shangding.Core.Intake;

/// <summary>
/// How the columns of an uploaded sheet map to a category's columns. Headers may be the Chinese
/// titles of the template (with or without the * of required columns), the English names or the
/// field codes; the template's code row below the titles is recognised and skipped.
/// </summary>
public sealed class ColumnMap
{
    private ColumnMap(IReadOnlyDictionary<int, string> codes, int dataStart, IReadOnlyList<string> headerCells, IReadOnlyList<IntakeReason> refusals, IReadOnlyList<string> warnings)
    {
        Codes = codes;
        DataStart = dataStart;
        HeaderCells = headerCells;
        Refusals = refusals;
        Warnings = warnings;
    }

    /// <summary>Column index → column code.</summary>
    public IReadOnlyDictionary<int, string> Codes { get; }

    /// <summary>
    /// Index, among the rows given to <see cref="Detect"/>, of the first data row: after the header
    /// (and the template's code row, and any title lines above the header).
    /// </summary>
    public int DataStart { get; }

    /// <summary>The header titles as uploaded, for the rejects file.</summary>
    public IReadOnlyList<string> HeaderCells { get; }

    /// <summary>Reasons to refuse the whole file (prohibited column, missing required columns, no header).</summary>
    public IReadOnlyList<IntakeReason> Refusals { get; }

    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Finds the header among the first rows (the first row whose cells name known columns) and maps it.</summary>
    public static ColumnMap Detect(IReadOnlyList<string?[]> firstRows, Category category)
    {
        var columns = IntakeColumns.For(category);
        var labels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var column in columns)
        {
            labels.TryAdd(Label(column.Code), column.Code);
            labels.TryAdd(Label(column.NameZh), column.Code);
            labels.TryAdd(Label(column.NameEn), column.Code);
        }

        for (var r = 0; r < firstRows.Count; r++)
        {
            var row = firstRows[r];
            var matched = row.Count(cell => cell is not null && labels.ContainsKey(Label(cell)));
            var filled = row.Count(cell => !string.IsNullOrWhiteSpace(cell));
            if (matched >= 2 && matched * 2 >= filled)
            {
                var headerRows = 1;
                var mapping = row;
                if (r + 1 < firstRows.Count && IsCodeRow(firstRows[r + 1], columns))
                {
                    mapping = firstRows[r + 1];
                    headerRows = 2;
                }

                return Map(row, mapping, r + headerRows, labels, category, columns);
            }
        }

        return new ColumnMap(new Dictionary<int, string>(), 0, [], [new IntakeReason("no_header", null,
            F("在文件开头找不到“{0}”的表头：请使用平台下载的模板，第一行为中文列名（如“单位记录编号”“{1}”）。", category.NameZh, category.Fields[0].NameZh),
            F("No header row of '{0}' found at the top of the file: use the template downloaded from the platform, whose first row holds the column titles (e.g. 'Record key', '{1}').", category.NameEn, category.Fields[0].NameEn))], []);
    }

    private static ColumnMap Map(string?[] titles, string?[] mapping, int dataStart, Dictionary<string, string> labels, Category category, IReadOnlyList<FieldDefinition> columns)
    {
        var codes = new Dictionary<int, string>();
        var refusals = new List<IntakeReason>();
        var warnings = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < mapping.Length; i++)
        {
            var cell = mapping[i];
            var title = i < titles.Length ? titles[i] : null;
            if (string.IsNullOrWhiteSpace(cell))
            {
                continue;
            }

            if (labels.TryGetValue(Label(cell), out var code))
            {
                if (seen.TryGetValue(code, out var other))
                {
                    refusals.Add(new IntakeReason("duplicate_column", code,
                        F("{0} 列和 {1} 列都是“{2}”：每列只能出现一次。", ColumnName(other), ColumnName(i), title ?? cell),
                        F("Columns {0} and {1} are both '{2}': each column may appear once.", ColumnName(other), ColumnName(i), title ?? cell)));
                    continue;
                }

                seen[code] = i;
                codes[i] = code;
                continue;
            }

            var name = title ?? cell;
            var prohibited = ProhibitedData.Match(name, category.WrittenConsentRecorded) ?? ProhibitedData.Match(cell, category.WrittenConsentRecorded);
            if (prohibited is not null)
            {
                refusals.Add(new IntakeReason("prohibited_column", null,
                    F("{0} 列“{1}”属于禁止征集的信息：{2}。整个文件未处理，请删除该列后重新上传。", ColumnName(i), name, prohibited.ReasonZh),
                    F("Column {0} '{1}' holds data the platform may not collect: {2}. The whole file was not processed; delete the column and upload again.", ColumnName(i), name, prohibited.ReasonEn)));
                continue;
            }

            warnings.Add(F("{0} 列“{1}”不是本类信息的字段，已忽略。 / Column {0} '{1}' is not a field of this category and was ignored.", ColumnName(i), name));
        }

        var missing = columns.Where(c => c.Required && !seen.ContainsKey(c.Code)).ToList();
        if (missing.Count > 0)
        {
            refusals.Add(new IntakeReason("missing_columns", null,
                F("文件缺少必填列：{0}。请使用“{1}”的模板。", string.Join("、", missing.Select(m => m.NameZh)), category.NameZh),
                F("The file lacks required columns: {0}. Use the template of '{1}'.", string.Join(", ", missing.Select(m => m.NameEn)), category.NameEn)));
        }

        var header = titles.Select((t, i) => t ?? (i < mapping.Length ? mapping[i] : null) ?? "").ToList();
        return new ColumnMap(codes, dataStart, header, refusals, warnings);
    }

    private Dictionary<string, int>? _columnOf;

    /// <summary>
    /// Turns a data row into an intake row. Its values are a view over the row's cells through the map (one code-to-column
    /// table for the file), not a dictionary of their own: a million rows made a million dictionaries.
    /// </summary>
    public IntakeRow ToRow(int rowNumber, string?[] cells, IReadOnlyList<IntakeReason>? problems = null)
    {
        _columnOf ??= Codes.GroupBy(kv => kv.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(kv => kv.Key), StringComparer.Ordinal);
        return new IntakeRow(rowNumber, null, new CellValues(_columnOf, cells), cells) { Problems = problems ?? [] };
    }

    /// <summary>A row's values by column code, read from its cells.</summary>
    private sealed class CellValues(Dictionary<string, int> columnOf, string?[] cells) : IReadOnlyDictionary<string, string?>
    {
        public string? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

        public IEnumerable<string> Keys => columnOf.Keys;

        public IEnumerable<string?> Values => columnOf.Values.Select(Cell);

        public int Count => columnOf.Count;

        public bool ContainsKey(string key) => columnOf.ContainsKey(key);

        public bool TryGetValue(string key, out string? value)
        {
            if (columnOf.TryGetValue(key, out var index))
            {
                value = Cell(index);
                return true;
            }

            value = null;
            return false;
        }

        public IEnumerator<KeyValuePair<string, string?>> GetEnumerator() =>
            columnOf.Select(kv => new KeyValuePair<string, string?>(kv.Key, Cell(kv.Value))).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private string? Cell(int index) => index < cells.Length ? cells[index] : null;
    }

    /// <summary>The spreadsheet letter of a zero-based column index (0 → A, 26 → AA).</summary>
    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + ((n - 1) % 26)) + name;
        }

        return name;
    }

    private static bool IsCodeRow(string?[] row, IReadOnlyList<FieldDefinition> columns)
    {
        var codes = columns.Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
        var filled = row.Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
        return filled.Count >= 2 && filled.Count(c => codes.Contains(c!.Trim())) * 2 > filled.Count;
    }

    private static string Label(string text) =>
        new(text.Where(c => !char.IsWhiteSpace(c) && c is not ('*' or '＊')).ToArray());

    private static string F(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
