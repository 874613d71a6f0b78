using System.Text;
using Shangding.Core.Intake.Files;
using static Shangding.Core.Tests.Intake.Files.ReadHelper;

namespace Shangding.Core.Tests.Intake.Files;

public sealed class CsvReaderTests
{
    static CsvReaderTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Fact]
    public void Reads_Utf8WithBom()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("姓名,证件号码\r\n张三,11010519491231002X\r\n")).ToArray();

        var (source, rows) = Read(bytes, "a.csv");

        source.Format.ShouldBe("csv");
        rows[0].Cells.ShouldBe(["姓名", "证件号码"]);
        rows[1].Cells.ShouldBe(["张三", "11010519491231002X"]);
        rows[1].RowNumber.ShouldBe(2);
        source.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Reads_Gb18030_AsChineseExcelWritesIt()
    {
        var gb = Encoding.GetEncoding(54936);
        var bytes = gb.GetBytes("欠费人姓名,证件号码,用户地址\n张三,11010519491231002X,郑州市金水区\n");

        var (source, rows) = Read(bytes, "a.csv");

        rows[1].Cells.ShouldBe(["张三", "11010519491231002X", "郑州市金水区"]);
        source.Warnings.ShouldHaveSingleItem().ShouldContain("GB18030");
    }

    [Theory]
    [InlineData(65534)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Reads_BigUtf8WithoutBom_AsUtf8_WhereverACharacterMeetsTheReadBlocksEnd(int at)
    {
        // A 3-byte character (郑) starting at the given byte: cut 2 + 1 or 1 + 2 by the end of the first 64 KB block the
        // encoding check reads, or not cut at all.
        var text = new StringBuilder("欠费人姓名,用户地址\n");
        while (Encoding.UTF8.GetByteCount(text.ToString()) < at - 200)
        {
            text.Append("张三,金水区\n");
        }

        var pad = at - Encoding.UTF8.GetByteCount(text.ToString()) - 1;
        text.Append('x', pad).Append(",郑州市\n");
        Encoding.UTF8.GetByteCount(text.ToString()[..text.ToString().LastIndexOf('郑')]).ShouldBe(at);
        while (Encoding.UTF8.GetByteCount(text.ToString()) < 3 << 16)
        {
            text.Append("张三,郑州市金水区\n");
        }

        var (source, rows) = Read(Encoding.UTF8.GetBytes(text.ToString()), "a.csv");

        source.Warnings.ShouldBeEmpty();
        rows[0].Cells.ShouldBe(["欠费人姓名", "用户地址"]);
        rows.Single(r => r.Cells[0]!.StartsWith('x')).Cells[1].ShouldBe("郑州市");
        rows[^1].Cells.ShouldBe(["张三", "郑州市金水区"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Parses_RandomRecords_WhereverTheReadsAreCut(int seed)
    {
        // Quotes, doubled quotes, delimiters and line breaks inside fields, CRLF and LF between records, Chinese text:
        // written as Excel writes CSV, then parsed from a reader that hands over 1 to 7 characters a read, so every
        // quote, CR/LF pair and field meets the end of a read somewhere.
        var random = new Random(seed);
        string[] pieces = ["a", "郑", ",", "\"", "\r", "\n", "\r\n", " ", "1"];
        var records = new List<string?[]>();
        var text = new StringBuilder();
        for (var r = 0; r < 400; r++)
        {
            var fields = new string?[random.Next(1, 6)];
            for (var f = 0; f < fields.Length; f++)
            {
                var value = string.Concat(Enumerable.Range(0, random.Next(0, 7)).Select(_ => pieces[random.Next(pieces.Length)]));
                fields[f] = value.Length == 0 ? null : value;
                var quote = value.IndexOfAny([',', '"', '\r', '\n']) >= 0 || (value.Length == 0 && random.Next(4) == 0);
                text.Append(quote ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value);
                if (f < fields.Length - 1)
                {
                    text.Append(',');
                }
            }

            records.Add(fields);
            text.Append(random.Next(2) == 0 ? "\n" : "\r\n");
        }

        var parser = new CsvRecordParser(new ChunkedReader(text.ToString(), random), ',', IntakeFileLimits.Default);
        var parsed = new List<string?[]>();
        var row = new List<string?>();
        while (parser.Next(row))
        {
            parsed.Add([.. row]);
        }

        parsed.Count.ShouldBe(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            parsed[i].ShouldBe(records[i], $"record {i + 1}");
        }
    }

    /// <summary>A reader that returns at most a few characters a read.</summary>
    private sealed class ChunkedReader(string text, Random random) : TextReader
    {
        private int _position;

        public override int Read(char[] buffer, int index, int count)
        {
            var n = Math.Min(Math.Min(count, random.Next(1, 8)), text.Length - _position);
            text.CopyTo(_position, buffer, index, n);
            _position += n;
            return n;
        }

        public override int Read(Span<char> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, random.Next(1, 8)), text.Length - _position);
            text.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Peek() => _position < text.Length ? text[_position] : -1;

        public override int Read() => _position < text.Length ? text[_position++] : -1;
    }

    [Fact]
    public void Reads_TabDelimited_AndSemicolonDelimited()
    {
        Read(Encoding.UTF8.GetBytes("a\tb,c\td\n1\t2\t3\n"), "a.txt").Rows[0].Cells.ShouldBe(["a", "b,c", "d"]);
        Read(Encoding.UTF8.GetBytes("a;b;c\n1;2,5;3\n"), "a.csv").Rows[1].Cells.ShouldBe(["1", "2,5", "3"]);
    }

    [Fact]
    public void Reads_Utf16TabText_AsExcelUnicodeTextWritesIt()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("姓名\t金额\r\n张三\t12.5\r\n")).ToArray();

        Read(bytes, "a.txt").Rows[1].Cells.ShouldBe(["张三", "12.5"]);
    }

    [Fact]
    public void Reads_QuotedFields_WithDelimitersQuotesAndLineBreaks()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\n\"郑州,金水\",\"他说\"\"好\"\"\"\n\"两\n行\",x\n");

        var rows = Read(bytes, "a.csv").Rows;

        rows[1].Cells.ShouldBe(["郑州,金水", "他说\"好\""]);
        rows[2].Cells.ShouldBe(["两\n行", "x"]);
        rows[2].RowNumber.ShouldBe(3);
    }

    [Fact]
    public void BlankLinesAndEmptyRows_AreSkipped_ButCountedInRowNumbers()
    {
        var rows = Read(Encoding.UTF8.GetBytes("a,b\n\n,,\nc,\n"), "a.csv").Rows;

        rows.Select(r => r.RowNumber).ShouldBe([1, 4]);
        rows[1].Cells.ShouldBe(["c"]);
    }

    [Fact]
    public void Values_AreReturnedAsWritten()
    {
        var rows = Read(Encoding.UTF8.GetBytes("id\n ４１０１０５１９９００１０１１２３４ \n"), "a.csv").Rows;

        rows[1].Cells.ShouldBe([" ４１０１０５１９９００１０１１２３４ "]);
    }

    [Fact]
    public void Refuses_CellTooLong_EvenInAnUnterminatedQuote()
    {
        var limits = IntakeFileLimits.Default with { MaxCellCharacters = 10 };

        var e = Refusal(Encoding.UTF8.GetBytes("a,b\nx,\"" + new string('y', 100)), "a.csv", limits);

        e.Reason.ShouldBe(FileRefusal.CellTooLong);
        e.MessageZh.ShouldContain("B2");
    }

    [Fact]
    public void Refuses_TooManyColumns_ButAllowsTrailingEmptyOnes()
    {
        var limits = IntakeFileLimits.Default with { MaxColumns = 2 };
        Read(Encoding.UTF8.GetBytes("a,b,,,,\n"), "a.csv", limits).Rows[0].Cells.ShouldBe(["a", "b"]);

        var e = Refusal(Encoding.UTF8.GetBytes("a,b,c\n"), "a.csv", limits);

        e.Reason.ShouldBe(FileRefusal.TooManyColumns);
        e.MessageZh.ShouldContain("C1");
    }

    [Fact]
    public void Refuses_TooManyRows()
    {
        var limits = IntakeFileLimits.Default with { MaxRows = 2 };

        Refusal(Encoding.UTF8.GetBytes("a\nb\nc\n"), "a.csv", limits).Reason.ShouldBe(FileRefusal.TooManyRows);
    }

    [Fact]
    public void Refuses_OnlyBlankLines_AsNoData()
    {
        Refusal(Encoding.UTF8.GetBytes("\n\n,,\n"), "a.csv").Reason.ShouldBe(FileRefusal.NoData);
    }
}
