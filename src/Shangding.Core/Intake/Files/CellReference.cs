using System.Globalization;

namespace Shangding.Core.Intake.Files;

/// <summary>A1-style cell references.</summary>
internal static class CellReference
{
    /// <summary>Excel's own limit (XFD); anything beyond is not a cell reference.</summary>
    public const int ExcelMaxColumns = 16_384;

    public const int ExcelMaxRows = 1_048_576;

    /// <summary>Parses "AA12" into a 0-based column and a 1-based row; row is 0 when the reference has no digits.</summary>
    public static bool TryParse(ReadOnlySpan<char> reference, out int column, out int row)
    {
        column = 0;
        row = 0;
        var i = 0;
        while (i < reference.Length && i < 4 && char.IsAsciiLetter(reference[i]))
        {
            column = (column * 26) + (char.ToUpperInvariant(reference[i]) - 'A' + 1);
            i++;
        }

        if (i == 0 || column > ExcelMaxColumns)
        {
            return false;
        }

        column--;
        var digits = reference[i..];
        if (digits.IsEmpty)
        {
            return true;
        }

        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out row) && row is >= 1 and <= ExcelMaxRows;
    }

    public static string ColumnName(int column)
    {
        Span<char> buffer = stackalloc char[4];
        var position = buffer.Length;
        var n = column + 1;
        while (n > 0)
        {
            n--;
            buffer[--position] = (char)('A' + (n % 26));
            n /= 26;
        }

        return new string(buffer[position..]);
    }

    public static string Name(int column, int row) => ColumnName(column) + row.ToString(CultureInfo.InvariantCulture);
}
