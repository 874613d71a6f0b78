using System.Buffers;
using System.Text;

namespace Shangding.Core.Intake.Files;

/// <summary>
/// CSV (or tab- or semicolon-separated text) in UTF-8, UTF-16 with a BOM, or GB18030 — what Chinese
/// Excel writes for "CSV (逗号分隔)". The parser is a small RFC 4180 one of our own, so that limits
/// (cell length, columns) are enforced while reading instead of after a hostile field has been buffered.
/// </summary>
internal sealed class CsvSource : ITabularSource
{
    private const int Gb18030CodePage = 54936;

    private readonly Stream _input;
    private readonly bool _ownsInput;
    private readonly Encoding _encoding;
    private readonly char _delimiter;
    private readonly IntakeFileLimits _limits;
    private readonly List<string> _warnings = [];
    private bool _read;

    static CsvSource() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private CsvSource(Stream input, bool ownsInput, Encoding encoding, char delimiter, IntakeFileLimits limits)
    {
        _input = input;
        _ownsInput = ownsInput;
        _encoding = encoding;
        _delimiter = delimiter;
        _limits = limits;
        BytesTotal = input.Length;
    }

    public string Format => "csv";

    public string? TemplateCategory => null;

    public IReadOnlyList<string> Warnings => _warnings;

    public long BytesTotal { get; }

    public double Progress => BytesTotal == 0 ? 1 : Math.Min(_input.Position, BytesTotal) / (double)BytesTotal;

    /// <summary>The encoding the text was decoded with.</summary>
    public Encoding Encoding => _encoding;

    /// <summary>The delimiter found in the first line.</summary>
    public char Delimiter => _delimiter;

    public static CsvSource Open(Stream input, bool ownsInput, byte[] head, string fileName, IntakeFileLimits limits)
    {
        _ = fileName;
        ReadOnlySpan<byte> h = head;
        Encoding encoding;
        var gb = false;
        if (h.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
        }
        else if (h.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            encoding = Encoding.Unicode;
        }
        else if (h.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            encoding = Encoding.BigEndianUnicode;
        }
        else if (IsValidUtf8(input))
        {
            encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        }
        else
        {
            encoding = Encoding.GetEncoding(Gb18030CodePage);
            gb = true;
        }

        input.Position = 0;
        var source = new CsvSource(input, ownsInput, encoding, DetectDelimiter(encoding.GetString(head)), limits);
        if (gb)
        {
            source._warnings.Add(FileMessages.CsvEncoding("GB18030（简体中文）", "GB18030 (Simplified Chinese)"));
        }

        return source;
    }

    public IEnumerable<SourceRow> ReadRows(CancellationToken cancellationToken)
    {
        if (_read)
        {
            throw new InvalidOperationException("ReadRows streams the file once; open it again to re-read it.");
        }

        _read = true;
        return Iterate(cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsInput)
        {
            _input.Dispose();
        }
    }

    private IEnumerable<SourceRow> Iterate(CancellationToken cancellationToken)
    {
        _input.Position = 0;
        using var text = new StreamReader(_input, _encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var parser = new CsvRecordParser(text, _delimiter, _limits);
        var fields = new List<string?>();
        var returned = 0;
        while (parser.Next(fields))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var last = fields.FindLastIndex(f => f is not null);
            if (last < 0)
            {
                continue;
            }

            if (++returned > _limits.MaxRows)
            {
                throw FileMessages.TooManyRows(_limits);
            }

            var cells = new string?[last + 1];
            fields.CopyTo(0, cells, 0, cells.Length);
            yield return new SourceRow(parser.RecordNumber, cells, []);
        }

        if (returned == 0)
        {
            throw FileMessages.NoData();
        }
    }

    /// <summary>
    /// Whether the whole file is valid UTF-8. Read in blocks: a character cut by a block's end is completed by the
    /// next block (the decoder's GetChars carries it over; GetCharCount does not, which read a big UTF-8 file without
    /// BOM as GB18030 whenever a Chinese character straddled 64 KB).
    /// </summary>
    private static bool IsValidUtf8(Stream input)
    {
        input.Position = 0;
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        var buffer = new byte[1 << 16];
        var chars = new char[buffer.Length + 4]; // UTF-8 gives at most a char a byte, plus what a cut character carried over
        try
        {
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                decoder.GetChars(buffer, 0, read, chars, 0, flush: false);
            }

            decoder.GetChars([], 0, 0, chars, 0, flush: true);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The most frequent of comma, tab and semicolon outside quotes in the first line; comma on a tie.</summary>
    private static char DetectDelimiter(string head)
    {
        int commas = 0, tabs = 0, semicolons = 0;
        var quoted = false;
        foreach (var c in head)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted)
            {
                if (c is '\r' or '\n')
                {
                    break;
                }

                switch (c)
                {
                    case ',':
                        commas++;
                        break;
                    case '\t':
                        tabs++;
                        break;
                    case ';':
                        semicolons++;
                        break;
                    default:
                        break;
                }
            }
        }

        return tabs > commas && tabs >= semicolons ? '\t' : semicolons > commas && semicolons > tabs ? ';' : ',';
    }
}

/// <summary>RFC 4180 records; a stray quote inside an unquoted field is kept as text.</summary>
internal sealed class CsvRecordParser(TextReader reader, char delimiter, IntakeFileLimits limits)
{
    private readonly char[] _buffer = new char[1 << 16];
    private readonly SearchValues<char> _stops = SearchValues.Create([delimiter, '\r', '\n']);
    private char[] _field = new char[256];
    private int _fieldLength;
    private int _column;
    private int _position;
    private int _length;

    /// <summary>1-based number of the record last read, blank lines included: the row Excel shows it on.</summary>
    public int RecordNumber { get; private set; }

    public bool Next(List<string?> fields)
    {
        fields.Clear();
        _column = 0;
        _fieldLength = 0;
        if (!Fill())
        {
            return false;
        }

        RecordNumber++;
        while (true)
        {
            if (!Fill())
            {
                EndField(fields);
                return true;
            }

            if (_buffer[_position] == '"')
            {
                _position++;
                ReadQuoted();
            }

            while (true)
            {
                if (!Fill())
                {
                    EndField(fields);
                    return true;
                }

                var span = _buffer.AsSpan(_position, _length - _position);
                var stop = span.IndexOfAny(_stops);
                if (stop < 0)
                {
                    Append(span);
                    _position = _length;
                    continue;
                }

                Append(span[..stop]);
                _position += stop;
                var c = _buffer[_position++];
                EndField(fields);
                if (c == delimiter)
                {
                    break;
                }

                if (c == '\r' && Fill() && _buffer[_position] == '\n')
                {
                    _position++;
                }

                return true;
            }
        }
    }

    private void ReadQuoted()
    {
        while (Fill())
        {
            var span = _buffer.AsSpan(_position, _length - _position);
            var quote = span.IndexOf('"');
            if (quote < 0)
            {
                Append(span);
                _position = _length;
                continue;
            }

            Append(span[..quote]);
            _position += quote + 1;
            if (Fill() && _buffer[_position] == '"')
            {
                Append("\"");
                _position++;
                continue;
            }

            return;
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var needed = _fieldLength + text.Length;
        if (needed > limits.MaxCellCharacters)
        {
            throw FileMessages.CellTooLong(CellReference.Name(Math.Min(_column, CellReference.ExcelMaxColumns - 1), RecordNumber), needed, limits);
        }

        if (needed > _field.Length)
        {
            Array.Resize(ref _field, Math.Max(needed, _field.Length * 2));
        }

        text.CopyTo(_field.AsSpan(_fieldLength));
        _fieldLength = needed;
    }

    private void EndField(List<string?> fields)
    {
        var value = _fieldLength == 0 ? null : new string(_field, 0, _fieldLength);
        _fieldLength = 0;
        if (_column < limits.MaxColumns)
        {
            fields.Add(value);
        }
        else if (value is not null)
        {
            throw FileMessages.TooManyColumns(CellReference.Name(Math.Min(_column, CellReference.ExcelMaxColumns - 1), RecordNumber), limits);
        }

        _column++;
    }

    private bool Fill()
    {
        if (_position < _length)
        {
            return true;
        }

        _length = reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
