using System.Globalization;

namespace Shangding.Core.Intake.Files;

/// <summary>The refusals and cell notes, worded for a clerk: what is wrong and what to do.</summary>
internal static class FileMessages
{
    private const string UploadZh = "请上传用平台模板填写的 Excel 文件（.xlsx；也可上传 .xls 或 .csv）。";
    private const string UploadEn = "Upload the platform's template filled in as an Excel file (.xlsx; .xls and .csv also work).";

    public static IntakeFileException NotASpreadsheet(string fileName, string? kindZh = null, string? kindEn = null) =>
        kindZh is null
            ? new(FileRefusal.NotASpreadsheet,
                $"文件“{fileName}”不是 Excel 表格或 CSV 文件，平台无法读取。{UploadZh}",
                $"The file '{fileName}' is not an Excel workbook or a CSV file and cannot be read. {UploadEn}")
            : new(FileRefusal.NotASpreadsheet,
                $"文件“{fileName}”实际上是{kindZh}，不是 Excel 表格。{UploadZh}",
                $"The file '{fileName}' is actually {kindEn}, not a spreadsheet. {UploadEn}");

    public static IntakeFileException Encrypted() => new(
        FileRefusal.Encrypted,
        "文件已加密（设置了打开密码），平台无法读取。请取消密码后重新上传。",
        "The file is encrypted (password-protected); remove the password and upload it again.");

    public static IntakeFileException MacroWorkbook() => new(
        FileRefusal.MacroWorkbook,
        "文件是启用宏的工作簿（.xlsm），出于安全原因平台不接受。请在 Excel 中“另存为”→“Excel 工作簿 (*.xlsx)”后重新上传。",
        "The file is a macro-enabled workbook (.xlsm), which is refused for safety. In Excel use Save As → 'Excel Workbook (*.xlsx)' and upload that.");

    public static IntakeFileException ZipBomb(string part, IntakeFileLimits limits) => new(
        FileRefusal.ZipBomb,
        $"文件解压后的大小异常（部件 {part}，超过 {Size(limits.MaxUncompressedBytes)} 或压缩比超过 {limits.MaxCompressionRatio.ToString(CultureInfo.InvariantCulture)} 倍），疑似恶意文件，已拒绝。请在 Excel 中重新另存为 .xlsx；数据量很大时请分成多个文件上传。",
        $"The file expands abnormally when decompressed (part {part}: over {Size(limits.MaxUncompressedBytes)} or a compression ratio over {limits.MaxCompressionRatio.ToString(CultureInfo.InvariantCulture)}) and looks like a zip bomb; it was refused. Save it again from Excel as .xlsx, and split very large data into several files.");

    public static IntakeFileException TooLarge(long size, IntakeFileLimits limits) => new(
        FileRefusal.TooLarge,
        $"文件大小{(size > 0 ? " " + Size(size) : string.Empty)}超过上限 {Size(limits.MaxFileBytes)}。请分成多个文件上传。",
        $"The file{(size > 0 ? " (" + Size(size) + ")" : string.Empty)} is over the {Size(limits.MaxFileBytes)} limit; split it into several files.");

    public static IntakeFileException TooManyRows(IntakeFileLimits limits) => new(
        FileRefusal.TooManyRows,
        $"文件的数据行超过上限 {limits.MaxRows.ToString("N0", CultureInfo.InvariantCulture)} 行。请分成多个文件上传。",
        $"The file has more than {limits.MaxRows.ToString("N0", CultureInfo.InvariantCulture)} rows; split it into several files.");

    public static IntakeFileException TooManyColumns(string cell, IntakeFileLimits limits) => new(
        FileRefusal.TooManyColumns,
        $"表格超过 {limits.MaxColumns} 列（单元格 {cell} 已超出）。请只保留模板中的列，删除多余的列后重新上传。",
        $"The sheet has more than {limits.MaxColumns} columns (cell {cell} is beyond). Keep only the template's columns, delete the others and upload again.");

    public static IntakeFileException CellTooLong(string cell, int length, IntakeFileLimits limits) => new(
        FileRefusal.CellTooLong,
        $"单元格 {cell} 的内容有 {length} 个字符，超过上限 {limits.MaxCellCharacters} 个字符。请检查并缩短该单元格后重新上传。",
        $"Cell {cell} holds {length} characters, over the {limits.MaxCellCharacters}-character limit. Check and shorten that cell, then upload again.");

    public static IntakeFileException NoData() => new(
        FileRefusal.NoData,
        "文件中没有数据。请在模板中从第 3 行起填写数据后重新上传。",
        "The file holds no data. Fill in the template from row 3 on and upload it again.");

    public static IntakeFileException Corrupt(string part, Exception? inner = null) => new(
        FileRefusal.Corrupt,
        $"文件已损坏，无法读取（{part}）。请在 Excel 中打开并另存为 .xlsx 后重新上传。",
        $"The file is damaged and cannot be read ({part}). Open it in Excel, save it again as .xlsx and upload that.",
        inner);

    public static string HiddenSheetIgnored(string sheet) =>
        $"隐藏的工作表“{sheet}”已忽略，只读取第一个可见工作表。 / Hidden sheet '{sheet}' ignored; only the first visible sheet is read.";

    public static string OtherSheetsIgnored(string read, IEnumerable<string> others) =>
        $"只读取第一个可见工作表“{read}”，其他工作表（{string.Join("、", others)}）已忽略。 / Only the first visible sheet '{read}' is read; other sheets ({string.Join(", ", others)}) were ignored.";

    public static string CsvEncoding(string encodingZh, string encodingEn) =>
        $"CSV 文件按 {encodingZh} 编码读取。 / The CSV file was read as {encodingEn}.";

    public static CellNote FormulaCachedValue(int column) => new(
        column, CellNoteKind.FormulaCachedValueUsed,
        "该单元格是公式，已取用其最后一次计算的结果。",
        "The cell holds a formula; its last calculated value was used.");

    public static CellNote FormulaWithoutValue(int column, string cell) => new(
        column, CellNoteKind.FormulaWithoutCachedValue,
        $"单元格 {cell} 是公式，但文件中没有保存计算结果，无法取值。请在 Excel 中打开文件并保存（或把公式改为数值）后重新上传。",
        $"Cell {cell} holds a formula without a saved result, so it has no value. Open the file in Excel and save it (or replace the formula by its value), then upload again.");

    public static CellNote ErrorValue(int column, string cell, string error) => new(
        column, CellNoteKind.ErrorValue,
        $"单元格 {cell} 是错误值 {error}。请改正该单元格后重新上传。",
        $"Cell {cell} holds the error value {error}. Correct that cell and upload again.");

    public static CellNote Merged(int column) => new(
        column, CellNoteKind.MergedCell,
        "该单元格属于合并单元格，已填入合并区域左上角的值。",
        "The cell is part of a merged region; the region's top-left value was filled in.");

    /// <summary>A long number stored by Excel as a floating-point value; shown masked, as it is most often an ID number.</summary>
    public static CellNote LostPrecision(int column, string cell, string stored) => new(
        column, CellNoteKind.NumberLostPrecision,
        $"单元格 {cell} 的长数字被 Excel 存成了数值（{Subjects.Masking.Mask(stored)}），超过 15 位的部分已丢失。请把该列设为“文本”格式后重新输入号码。",
        $"Cell {cell} holds a long digit string that Excel stored as a number ({Subjects.Masking.Mask(stored)}); digits beyond the 15th are lost. Format the column as Text and type the number again.");

    public static CellNote DateConverted(int column) => new(
        column, CellNoteKind.DateSerialConverted,
        "该单元格是 Excel 日期，已转换为“年-月-日”格式。",
        "The cell holds an Excel date; it was converted to yyyy-MM-dd.");

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
