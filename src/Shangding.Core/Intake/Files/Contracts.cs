namespace Shangding.Core.Intake.Files;

/// <summary>Limits a file must respect before and while it is read; a file beyond them is refused.</summary>
/// <param name="MaxFileBytes">Size of the uploaded file itself.</param>
/// <param name="MaxUncompressedBytes">Bytes actually decompressed from an .xlsx, over all parts read.</param>
/// <param name="MaxCompressionRatio">Declared uncompressed/compressed ratio above which a large zip entry is a bomb.</param>
/// <param name="MaxRows">Non-empty rows, header rows included.</param>
/// <param name="MaxColumns">Columns; a cell in column <c>MaxColumns + 1</c> or beyond refuses the file.</param>
/// <param name="MaxCellCharacters">Characters of one cell.</param>
/// <param name="MaxSharedStrings">Entries of an .xlsx shared-string table.</param>
public sealed record IntakeFileLimits(
    long MaxFileBytes,
    long MaxUncompressedBytes,
    double MaxCompressionRatio,
    int MaxRows,
    int MaxColumns,
    int MaxCellCharacters,
    int MaxSharedStrings)
{
    public static IntakeFileLimits Default { get; } = new(300L << 20, 3L << 30, 200, 1_100_000, 300, 4_000, 5_000_000);
}

/// <summary>Why a whole file was refused.</summary>
public enum FileRefusal
{
    NotASpreadsheet,
    Encrypted,
    ZipBomb,
    TooLarge,
    TooManyRows,
    TooManyColumns,
    CellTooLong,
    NoData,
    Corrupt,
    MacroWorkbook,
}

/// <summary>What the reader did to, or found in, one cell.</summary>
public enum CellNoteKind
{
    /// <summary>The cell holds a formula; its cached (last calculated) value was used.</summary>
    FormulaCachedValueUsed,

    /// <summary>The cell holds a formula without a cached value; the cell is returned as null.</summary>
    FormulaWithoutCachedValue,

    /// <summary>The cell holds an error such as <c>#N/A</c>; the cell is returned as null.</summary>
    ErrorValue,

    /// <summary>The cell lies in a merged region; the region's value was repeated into it.</summary>
    MergedCell,

    /// <summary>A long digit string (typically an ID number) was stored as a number and lost digits; the stored text is returned.</summary>
    NumberLostPrecision,

    /// <summary>An Excel date serial was converted to ISO <c>yyyy-MM-dd</c> (or with <c>HH:mm:ss</c>).</summary>
    DateSerialConverted,
}

/// <summary>A note about one cell of a <see cref="SourceRow"/>.</summary>
/// <param name="Column">0-based index into <see cref="SourceRow.Cells"/>.</param>
public sealed record CellNote(int Column, CellNoteKind Kind, string MessageZh, string MessageEn)
{
    /// <summary>Bilingual text: "zh / en".</summary>
    public string Message => $"{MessageZh} / {MessageEn}";
}

/// <summary>One non-empty row of an uploaded file, every cell as a string.</summary>
/// <param name="RowNumber">1-based, as the user sees it: the Excel row number, or the CSV record number.</param>
/// <param name="Cells">
/// Cell values as written (no trimming, no normalisation); an empty cell is null. The array ends at the
/// last non-empty cell of the row, so rows may differ in length.
/// </param>
/// <param name="Notes">Notes about cells of this row; empty for almost every row.</param>
public sealed record SourceRow(int RowNumber, string?[] Cells, IReadOnlyList<CellNote> Notes)
{
    /// <summary>The cell at <paramref name="column"/>, or null beyond the end of the row.</summary>
    public string? this[int column] => column < Cells.Length ? Cells[column] : null;
}

/// <summary>An opened upload: rows streamed from its first visible sheet (or its text).</summary>
public interface ITabularSource : IDisposable
{
    /// <summary>"xlsx", "xls" or "csv", from the content, not the file name.</summary>
    string Format { get; }

    /// <summary>Category code embedded by the platform's own template (defined name <c>SD_CATEGORY</c>), if present.</summary>
    string? TemplateCategory { get; }

    /// <summary>Things the clerk should know that do not refuse the file, bilingual "zh / en".</summary>
    IReadOnlyList<string> Warnings { get; }

    /// <summary>Size of the upload in bytes.</summary>
    long BytesTotal { get; }

    /// <summary>
    /// How far through its rows the reading has got, 0 to 1, for a progress bar: the share of the text read (CSV), of
    /// the worksheet's uncompressed XML read (xlsx: the file's own bytes do not say, because the shared strings are
    /// read first and usually stored after the sheet), or 0 then 1 (xls, which is read whole).
    /// </summary>
    double Progress { get; }

    /// <summary>
    /// Every non-empty row, header rows included, in order. Streams: call it once. Throws
    /// <see cref="IntakeFileException"/> for a hostile or broken file, also part-way through.
    /// </summary>
    IEnumerable<SourceRow> ReadRows(CancellationToken cancellationToken);
}
