using System.Globalization;
using System.Text;
using ExcelDataReader;
using ExcelDataReader.Exceptions;

namespace Shangding.Core.Intake.Files;

/// <summary>Legacy .xls (BIFF) read through ExcelDataReader; rows are still streamed.</summary>
internal sealed class XlsSource : ITabularSource
{
    private readonly Stream _input;
    private readonly bool _ownsInput;
    private readonly IExcelDataReader _reader;
    private readonly IntakeFileLimits _limits;
    private readonly List<string> _warnings = [];
    private bool _read;

    static XlsSource() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private XlsSource(Stream input, bool ownsInput, IExcelDataReader reader, IntakeFileLimits limits)
    {
        _input = input;
        _ownsInput = ownsInput;
        _reader = reader;
        _limits = limits;
        BytesTotal = input.Length;
    }

    public string Format => "xls";

    public string? TemplateCategory => null;

    public IReadOnlyList<string> Warnings => _warnings;

    public long BytesTotal { get; }

    // ExcelDataReader loads the workbook stream up front; the rows read say more.
    public double Progress => _read ? 1 : 0;

    public static XlsSource Open(Stream input, bool ownsInput, string fileName, IntakeFileLimits limits)
    {
        _ = fileName;
        IExcelDataReader reader;
        try
        {
            reader = ExcelReaderFactory.CreateBinaryReader(input, new ExcelReaderConfiguration
            {
                LeaveOpen = true,
                FallbackEncoding = Encoding.GetEncoding(936),
            });
        }
        catch (Exception e)
        {
            throw Translate(e);
        }

        var source = new XlsSource(input, ownsInput, reader, limits);
        try
        {
            Guard(source.ChooseSheet);
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
        return Iterate(cancellationToken);
    }

    public void Dispose()
    {
        _reader.Dispose();
        if (_ownsInput)
        {
            _input.Dispose();
        }
    }

    private IEnumerable<SourceRow> Iterate(CancellationToken cancellationToken)
    {
        var merges = new MergeFiller(
            (_reader.MergeCells ?? [])
                .Select(m => new MergeRange(m.FromRow + 1, m.FromColumn, m.ToRow + 1, Math.Min(m.ToColumn, _limits.MaxColumns - 1)))
                .Where(m => m.LastColumn >= m.FirstColumn));
        var rowNumber = 0;
        var returned = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Guard(_reader.Read))
            {
                break;
            }

            rowNumber++;
            var row = Guard(() => ReadRow(rowNumber, merges));
            if (row is null)
            {
                continue;
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

    private SourceRow? ReadRow(int rowNumber, MergeFiller merges)
    {
        var count = _reader.FieldCount;
        var cells = new string?[Math.Min(count, _limits.MaxColumns)];
        List<CellNote>? notes = null;
        var last = -1;
        for (var i = 0; i < count; i++)
        {
            var value = _reader.GetValue(i);
            if (value is null)
            {
                continue;
            }

            if (i >= _limits.MaxColumns)
            {
                throw FileMessages.TooManyColumns(CellReference.Name(i, rowNumber), _limits);
            }

            string? text;
            switch (value)
            {
                case string s:
                    text = s;
                    break;
                case DateTime d:
                    text = CellValues.FormatDate(d);
                    (notes ??= []).Add(FileMessages.DateConverted(i));
                    break;
                case bool b:
                    text = b ? "TRUE" : "FALSE";
                    break;
                case double n:
                    text = CellValues.FormatNumber(n, out var kind);
                    if (kind == CellValues.NumberKind.LostPrecision)
                    {
                        (notes ??= []).Add(FileMessages.LostPrecision(i, CellReference.Name(i, rowNumber), text));
                    }

                    break;
                default:
                    text = Convert.ToString(value, CultureInfo.InvariantCulture);
                    break;
            }

            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            if (text.Length > _limits.MaxCellCharacters)
            {
                throw FileMessages.CellTooLong(CellReference.Name(i, rowNumber), text.Length, _limits);
            }

            cells[i] = text;
            last = i;
        }

        if (last < 0)
        {
            return null;
        }

        Array.Resize(ref cells, last + 1);
        cells = merges.Apply(rowNumber, cells, ref notes, FileMessages.Merged);
        return new SourceRow(rowNumber, cells, notes is null ? [] : notes);
    }

    private void ChooseSheet()
    {
        var sheets = new List<(string Name, bool Visible)>();
        do
        {
            sheets.Add((_reader.Name, _reader.VisibleState is null or "visible"));
        }
        while (_reader.NextResult());

        var chosen = sheets.FindIndex(s => s.Visible);
        if (chosen < 0)
        {
            chosen = 0;
        }

        for (var i = 0; i < sheets.Count; i++)
        {
            if (i != chosen && !sheets[i].Visible)
            {
                _warnings.Add(FileMessages.HiddenSheetIgnored(sheets[i].Name));
            }
        }

        var others = sheets.Where((s, i) => i != chosen && s.Visible).Select(s => s.Name).ToList();
        if (others.Count > 0)
        {
            _warnings.Add(FileMessages.OtherSheetsIgnored(sheets[chosen].Name, others));
        }

        _reader.Reset();
        for (var i = 0; i < chosen; i++)
        {
            _reader.NextResult();
        }
    }

    private static void Guard(Action action) => Guard(() =>
    {
        action();
        return true;
    });

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is not (IntakeFileException or OperationCanceledException))
        {
            throw Translate(e);
        }
    }

    private static IntakeFileException Translate(Exception e) => e switch
    {
        IntakeFileException intake => intake,
        InvalidPasswordException => FileMessages.Encrypted(),
        _ => FileMessages.Corrupt("xls", e),
    };
}
