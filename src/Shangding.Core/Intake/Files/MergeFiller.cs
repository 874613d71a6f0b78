namespace Shangding.Core.Intake.Files;

/// <summary>A merged region, 0-based columns and 1-based rows, inclusive.</summary>
internal readonly record struct MergeRange(int FirstRow, int FirstColumn, int LastRow, int LastColumn)
{
    public static bool TryParse(string reference, int maxColumns, out MergeRange range)
    {
        range = default;
        var colon = reference.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0
            || !CellReference.TryParse(reference.AsSpan(0, colon), out var c1, out var r1)
            || !CellReference.TryParse(reference.AsSpan(colon + 1), out var c2, out var r2)
            || r1 == 0 || r2 == 0 || r2 < r1 || c2 < c1)
        {
            return false;
        }

        // A region reaching past the column limit is clipped: the cells beyond are refused anyway if they hold data.
        range = new MergeRange(r1, c1, r2, Math.Min(c2, maxColumns - 1));
        return range.LastColumn >= range.FirstColumn && (r1 != r2 || c1 != range.LastColumn);
    }
}

/// <summary>
/// Repeats a merged region's top-left value into every other cell of the region, as the clerk sees it
/// on screen, with a <see cref="CellNoteKind.MergedCell"/> note on each filled cell. Rows arrive in
/// order, so only the regions that cover the current row are kept active.
/// </summary>
internal sealed class MergeFiller
{
    private readonly MergeRange[] _ranges;
    private readonly List<(MergeRange Range, string? Value)> _active = [];
    private int _next;

    public MergeFiller(IEnumerable<MergeRange> ranges)
    {
        _ranges = [.. ranges.OrderBy(r => r.FirstRow).ThenBy(r => r.FirstColumn)];
    }

    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>Fills <paramref name="cells"/> of row <paramref name="rowNumber"/>; may grow the array.</summary>
    public string?[] Apply(int rowNumber, string?[] cells, ref List<CellNote>? notes, Func<int, CellNote> noteFor)
    {
        _active.RemoveAll(a => a.Range.LastRow < rowNumber);
        while (_next < _ranges.Length && _ranges[_next].FirstRow <= rowNumber)
        {
            var range = _ranges[_next++];
            if (range.LastRow < rowNumber)
            {
                continue; // its first row was empty and never arrived: nothing to repeat
            }

            var value = range.FirstRow == rowNumber && range.FirstColumn < cells.Length ? cells[range.FirstColumn] : null;
            _active.Add((range, value));
        }

        foreach (var (range, value) in _active)
        {
            if (value is null)
            {
                continue;
            }

            if (range.LastColumn >= cells.Length)
            {
                Array.Resize(ref cells, range.LastColumn + 1);
            }

            for (var column = range.FirstColumn; column <= range.LastColumn; column++)
            {
                if (rowNumber == range.FirstRow && column == range.FirstColumn)
                {
                    continue;
                }

                cells[column] = value;
                (notes ??= []).Add(noteFor(column));
            }
        }

        return cells;
    }
}
