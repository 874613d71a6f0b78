using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using ExcelDataReader;
using Shangding.Core.Intake.Files;

namespace Shangding.Core.Tests.Intake.Files;

public sealed class RejectsFileWriterTests
{
    static RejectsFileWriterTests() => System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);

    private static readonly string[] Header = ["单位记录编号*", "欠费人姓名*", "证件号码*", "欠费金额*"];

    private static IEnumerable<(int RowNumber, string?[] Cells, string Reason)> Rows(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return (i + 3, [$"SW-{i}", i % 2 == 0 ? " 张三 " : "李\"四\"", "410105199001011234", i % 3 == 0 ? null : "12.5"], $"证件号码校验位错误 / Bad check digit (row {i + 3})");
        }
    }

    [Fact]
    public void Xlsx_With10000Rows_RoundTripsThroughOurReader_AllCellsText()
    {
        using var output = new MemoryStream();
        RejectsFileWriter.WriteXlsx(output, Header, Rows(10_000), "未通过原因 / Reason");

        using var source = TabularReader.Open(new MemoryStream(output.ToArray()), "rejects.xlsx", IntakeFileLimits.Default);
        var rows = source.ReadRows(TestContext.Current.CancellationToken).ToList();

        rows.Count.ShouldBe(10_001);
        rows[0].Cells.ShouldBe(["原行号 / Row", .. Header, "未通过原因 / Reason"]);
        rows[1].Cells.ShouldBe(["3", "SW-0", " 张三 ", "410105199001011234", null, "证件号码校验位错误 / Bad check digit (row 3)"]);
        rows[2].Cells[2].ShouldBe("李\"四\"");
        rows[10_000].Cells[0].ShouldBe("10002");
        rows.SelectMany(r => r.Notes).ShouldBeEmpty(); // IDs are text, not numbers that lost digits
    }

    [Fact]
    public void Xlsx_ReadsWithExcelDataReader_AndIsValidOpenXml()
    {
        using var output = new MemoryStream();
        RejectsFileWriter.WriteXlsx(output, Header, Rows(50), "未通过原因 / Reason");

        using (var reader = ExcelReaderFactory.CreateOpenXmlReader(new MemoryStream(output.ToArray())))
        {
            reader.Read().ShouldBeTrue();
            reader.GetString(5).ShouldBe("未通过原因 / Reason");
            reader.Read().ShouldBeTrue();
            reader.GetValue(3).ShouldBe("410105199001011234");
        }

        using var document = SpreadsheetDocument.Open(new MemoryStream(output.ToArray()), false);
        new OpenXmlValidator().Validate(document, TestContext.Current.CancellationToken).Select(e => e.Description).ShouldBeEmpty();
    }

    [Fact]
    public void Xlsx_KeepsMarkupCharactersAndSpacesAsTyped_WithTheHeaderRowFrozen()
    {
        using var output = new MemoryStream();
        string?[] cells = ["A&B <c> 'q' \"d\" >", " 前后有空格 ", "两行\n文字", "&amp;"];
        RejectsFileWriter.WriteXlsx(output, Header, [(7, cells, "原因 <1> & 2")], "未通过原因 / Reason");

        var (_, rows) = ReadHelper.Read(output.ToArray());
        rows[1].Cells.ShouldBe(["7", .. cells, "原因 <1> & 2"]);
        using (var reader = ExcelReaderFactory.CreateOpenXmlReader(new MemoryStream(output.ToArray())))
        {
            reader.Read().ShouldBeTrue();
            reader.Read().ShouldBeTrue();
            Enumerable.Range(1, 4).Select(i => reader.GetString(i)).ShouldBe(cells);
        }

        using var document = SpreadsheetDocument.Open(new MemoryStream(output.ToArray()), false);
        new OpenXmlValidator().Validate(document, TestContext.Current.CancellationToken).Select(e => e.Description).ShouldBeEmpty();
        var sheet = document.WorkbookPart!.WorksheetParts.Single().Worksheet;
        var pane = sheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.Pane>().Single();
        (pane.State!.Value, pane.VerticalSplit!.Value, pane.TopLeftCell!.Value).ShouldBe((DocumentFormat.OpenXml.Spreadsheet.PaneStateValues.Frozen, 1.0, "A2"));
        // The reason column is wide and wraps; the ID columns are styled as text.
        var columns = sheet.Descendants<DocumentFormat.OpenXml.Spreadsheet.Column>().ToList();
        (columns[^1].Min!.Value, columns[^1].Width!.Value, columns[^1].Style!.Value).ShouldBe((6u, 60.0, 3u));
        (columns[1].Min!.Value, columns[1].Max!.Value, columns[1].Style!.Value).ShouldBe((2u, 5u, 1u));
    }

    [Fact]
    public void Xlsx_WritesToANonSeekableStream_AndKeepsCellsBeyondTheHeader()
    {
        using var sink = new MemoryStream();
        using (var output = new WriteOnlyStream(sink))
        {
            RejectsFileWriter.WriteXlsx(output, ["a"], [(3, ["x", "extra"], "reason\u0001")], "原因");
        }

        var (_, rows) = ReadHelper.Read(sink.ToArray());
        rows[1].Cells.ShouldBe(["3", "x", "reason\uFFFD", "extra"]);
    }

    [Fact]
    public void Csv_HasBom_QuotesAsNeeded_AndRoundTrips()
    {
        using var output = new MemoryStream();
        RejectsFileWriter.WriteCsv(output, Header, Rows(10_000), "未通过原因 / Reason");
        var bytes = output.ToArray();

        bytes[..3].ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF });
        var text = Encoding.UTF8.GetString(bytes, 3, 400);
        text.ShouldStartWith("原行号 / Row,单位记录编号*,欠费人姓名*,证件号码*,欠费金额*,未通过原因 / Reason\r\n3,SW-0,\" 张三 \",410105199001011234,,");

        var (source, rows) = ReadHelper.Read(bytes, "rejects.csv");
        source.Format.ShouldBe("csv");
        rows.Count.ShouldBe(10_001);
        rows[2].Cells.ShouldBe(["4", "SW-1", "李\"四\"", "410105199001011234", "12.5", "证件号码校验位错误 / Bad check digit (row 4)"]);
    }

    private sealed class WriteOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
