using System.IO.Compression;
using System.Text;
using Shangding.Core.Intake.Files;
using static Shangding.Core.Tests.Intake.Files.ReadHelper;
using static Shangding.Core.Tests.Intake.Files.XlsxBuilder;

namespace Shangding.Core.Tests.Intake.Files;

public sealed class XlsxReaderTests
{
    [Fact]
    public void Read_ReturnsNonEmptyRowsWithExcelRowNumbers_AndSkipsEmptyRows()
    {
        var bytes = new XlsxBuilder()
            .Sheet("数据", Row(1, "姓名", "证件号码") + "<row r=\"2\"/>" + Row(5, "张三", "11010519491231002X"))
            .Build();

        var (source, rows) = Read(bytes);

        source.Format.ShouldBe("xlsx");
        rows.Select(r => r.RowNumber).ShouldBe([1, 5]);
        rows[1].Cells.ShouldBe(["张三", "11010519491231002X"]);
        rows[1].Notes.ShouldBeEmpty();
        source.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Read_HandlesMissingReferences_AndMultiLetterColumns()
    {
        var bytes = new XlsxBuilder()
            .Sheet("S", "<row><c t=\"inlineStr\"><is><t>a</t></is></c><c t=\"inlineStr\"><is><t>b</t></is></c></row>"
                + "<row><c r=\"AA2\"><v>7</v></c></row>")
            .Build();

        var (_, rows) = Read(bytes);

        rows[0].RowNumber.ShouldBe(1);
        rows[0].Cells.ShouldBe(["a", "b"]);
        rows[1].RowNumber.ShouldBe(2);
        rows[1].Cells.Length.ShouldBe(27);
        rows[1].Cells[26].ShouldBe("7");
    }

    [Fact]
    public void Read_SharedStrings_JoinRichTextRuns_AndDropPhoneticGuides()
    {
        var bytes = new XlsxBuilder()
            .SharedStrings("普通", "<r><t>郑州</t></r><r><rPr><b/></rPr><t>水务</t></r><rPh sb=\"0\" eb=\"1\"><t>ゼン</t></rPh>")
            .Sheet("S", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>")
            .Build();

        Read(bytes).Rows[0].Cells.ShouldBe(["普通", "郑州水务"]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2000000000")]
    [InlineData("-5")]
    [InlineData("many")]
    public void Read_SharedStrings_WhateverCountTheTableDeclares(string declared)
    {
        // The reader sizes the table from uniqueCount (never beyond the shared-string limit); a count that is wrong,
        // huge or no number changes nothing that is read.
        var strings = Enumerable.Range(0, 3_000).Select(i => "郑州" + i).ToArray();
        var cells = string.Concat(Enumerable.Range(0, 3_000).Select(i => $"<row r=\"{i + 1}\"><c r=\"A{i + 1}\" t=\"s\"><v>{i}</v></c></row>"));
        var bytes = new XlsxBuilder().SharedStrings(strings).DeclaredUniqueCount(declared).Sheet("S", cells).Build();

        var rows = Read(bytes).Rows;

        rows.Count.ShouldBe(3_000);
        rows[0].Cells.ShouldBe(["郑州0"]);
        rows[2_999].Cells.ShouldBe(["郑州2999"]);
    }

    [Fact]
    public void Read_ReturnsIdsAsWritten_FullWidthDigitsAndStraySpacesIncluded()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, " ４１０１０５１９９００１０１１２３４ ", "410105 19900101 1234", "")).Build();

        var cells = Read(bytes).Rows[0].Cells;

        cells[0].ShouldBe(" ４１０１０５１９９００１０１１２３４ ");
        cells[1].ShouldBe("410105 19900101 1234");
        cells.Length.ShouldBe(2); // the empty string is an empty cell
    }

    [Fact]
    public void Read_EighteenDigitIdStoredAsNumber_IsKeptAsStored_WithLostPrecisionNote()
    {
        var bytes = new XlsxBuilder()
            .Sheet("S", "<row r=\"4\"><c r=\"C4\"><v>4.1010519900101101E+17</v></c><c r=\"D4\"><v>0.30000000000000004</v></c><c r=\"E4\"><v>1280.5</v></c><c r=\"F4\"><v>1E-05</v></c></row>")
            .Build();

        var row = Read(bytes).Rows[0];

        row.Cells[2].ShouldBe("4.1010519900101101E+17");
        var note = row.Notes.ShouldHaveSingleItem();
        note.Kind.ShouldBe(CellNoteKind.NumberLostPrecision);
        note.Column.ShouldBe(2);
        note.MessageZh.ShouldContain("C4");
        note.MessageZh.ShouldContain("文本");
        note.MessageEn.ShouldContain("Format the column as Text");
        row.Cells[3].ShouldBe("0.3");
        row.Cells[4].ShouldBe("1280.5");
        row.Cells[5].ShouldBe("0.00001");
    }

    [Fact]
    public void Read_FormulaWithCachedValue_UsesIt_WithNote()
    {
        var bytes = new XlsxBuilder()
            .Sheet("S", "<row r=\"2\"><c r=\"A2\"><f>1+1</f><v>2</v></c><c r=\"B2\" t=\"str\"><f>\"a\"&amp;\"b\"</f><v>ab</v></c></row>")
            .Build();

        var row = Read(bytes).Rows[0];

        row.Cells.ShouldBe(["2", "ab"]);
        row.Notes.Select(n => (n.Column, n.Kind)).ShouldBe([(0, CellNoteKind.FormulaCachedValueUsed), (1, CellNoteKind.FormulaCachedValueUsed)]);
        row.Notes[0].MessageEn.ShouldContain("formula");
    }

    [Fact]
    public void Read_FormulaWithoutCachedValue_IsNull_WithNoteNamingTheCell()
    {
        var bytes = new XlsxBuilder().Sheet("S", "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>x</t></is></c><c r=\"C3\"><f>A1*2</f></c></row>").Build();

        var row = Read(bytes).Rows[0];

        row.Cells.Length.ShouldBe(3);
        row.Cells[2].ShouldBeNull();
        var note = row.Notes.ShouldHaveSingleItem();
        note.Kind.ShouldBe(CellNoteKind.FormulaWithoutCachedValue);
        note.MessageZh.ShouldBe("单元格 C3 是公式，但文件中没有保存计算结果，无法取值。请在 Excel 中打开文件并保存（或把公式改为数值）后重新上传。");
        note.MessageEn.ShouldContain("Cell C3 holds a formula without a saved result");
    }

    [Fact]
    public void Read_ErrorCell_IsNull_WithErrorNote()
    {
        var bytes = new XlsxBuilder().Sheet("S", "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>x</t></is></c><c r=\"B2\" t=\"e\"><f>VLOOKUP(1,A:A,2)</f><v>#N/A</v></c></row>").Build();

        var row = Read(bytes).Rows[0];

        row.Cells[1].ShouldBeNull();
        var note = row.Notes.ShouldHaveSingleItem();
        note.Kind.ShouldBe(CellNoteKind.ErrorValue);
        note.MessageZh.ShouldBe("单元格 B2 是错误值 #N/A。请改正该单元格后重新上传。");
        note.MessageEn.ShouldBe("Cell B2 holds the error value #N/A. Correct that cell and upload again.");
    }

    [Fact]
    public void Read_MergedRegion_RepeatsTopLeftValueIntoEveryCell_WithNotes()
    {
        var bytes = new XlsxBuilder()
            .Sheet("S",
                Row(1, "单位", "姓名") + Row(2, "郑州水务", "张三") + Row(3, null, "李四") + Row(4, null, "王五") + Row(5, "其他", "赵六"),
                null,
                "A2:A4")
            .Build();

        var rows = Read(bytes).Rows;

        rows.Select(r => r.Cells[0]).ShouldBe(["单位", "郑州水务", "郑州水务", "郑州水务", "其他"]);
        rows[1].Notes.ShouldBeEmpty();
        rows[2].Notes.ShouldHaveSingleItem().Kind.ShouldBe(CellNoteKind.MergedCell);
        rows[3].Notes.ShouldHaveSingleItem().Column.ShouldBe(0);
        rows[4].Notes.ShouldBeEmpty();
    }

    [Fact]
    public void Read_HorizontalMerge_FillsColumnsToTheRight()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, "标题") + Row(2, "a", "b", "c"), null, "A1:C1").Build();

        var rows = Read(bytes).Rows;

        rows[0].Cells.ShouldBe(["标题", "标题", "标题"]);
        rows[0].Notes.Select(n => n.Column).ShouldBe([1, 2]);
    }

    [Fact]
    public void Read_HiddenSheet_IsIgnored_WithWarning()
    {
        var bytes = new XlsxBuilder()
            .Sheet("数据", Row(1, "visible"))
            .Sheet("Sheet2", Row(1, "hidden"), "hidden")
            .Build();

        var (source, rows) = Read(bytes);

        rows.ShouldHaveSingleItem().Cells.ShouldBe(["visible"]);
        source.Warnings.ShouldHaveSingleItem().ShouldBe("隐藏的工作表“Sheet2”已忽略，只读取第一个可见工作表。 / Hidden sheet 'Sheet2' ignored; only the first visible sheet is read.");
    }

    [Fact]
    public void Read_FirstSheetHidden_ReadsTheFirstVisibleOne()
    {
        var bytes = new XlsxBuilder()
            .Sheet("旧数据", Row(1, "hidden"), "veryHidden")
            .Sheet("数据", Row(1, "visible"))
            .Build();

        var (source, rows) = Read(bytes);

        rows.ShouldHaveSingleItem().Cells.ShouldBe(["visible"]);
        source.Warnings.ShouldHaveSingleItem().ShouldContain("旧数据");
    }

    [Fact]
    public void Read_OtherVisibleSheets_AreNamedInAWarning()
    {
        var bytes = new XlsxBuilder().Sheet("一", Row(1, "a")).Sheet("二", Row(1, "b")).Build();

        Read(bytes).Source.Warnings.ShouldHaveSingleItem().ShouldContain("二");
    }

    [Fact]
    public void Read_DateSerials_BecomeIsoDates_WithNotes_AndTextInDateColumnPassesThrough()
    {
        var bytes = new XlsxBuilder()
            .Styles([(176, "yyyy\"年\"m\"月\"d\"日\""), (177, "0.00")], 0, 14, 22, 176, 177, 31)
            .Sheet("S",
                "<row r=\"1\">"
                + "<c r=\"A1\" s=\"1\"><v>45000</v></c>"
                + "<c r=\"B1\" s=\"2\"><v>45000.5</v></c>"
                + "<c r=\"C1\" s=\"3\"><v>46031</v></c>"
                + "<c r=\"D1\" s=\"4\"><v>45000</v></c>"
                + "<c r=\"E1\" s=\"1\" t=\"inlineStr\"><is><t>2023年3月15日</t></is></c>"
                + "<c r=\"F1\" s=\"5\"><v>45000</v></c>"
                + "<c r=\"G1\" s=\"1\"><v>59</v></c><c r=\"H1\" s=\"1\"><v>60</v></c><c r=\"I1\" s=\"1\"><v>61</v></c><c r=\"J1\" s=\"1\"><v>1</v></c>"
                + "</row>")
            .Build();

        var row = Read(bytes).Rows[0];

        row.Cells.ShouldBe(["2023-03-15", "2023-03-15 12:00:00", "2026-01-09", "45000", "2023年3月15日", "2023-03-15", "1900-02-28", "1900-02-29", "1900-03-01", "1900-01-01"]);
        row.Notes.Where(n => n.Kind == CellNoteKind.DateSerialConverted).Select(n => n.Column).ShouldBe([0, 1, 2, 5, 6, 7, 8, 9]);
    }

    [Fact]
    public void Read_Date1904Workbook_CountsFrom1904()
    {
        var bytes = new XlsxBuilder { Date1904 = true }
            .Styles([], 0, 14)
            .Sheet("S", "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>43538</v></c></row>")
            .Build();

        Read(bytes).Rows[0].Cells.ShouldBe(["1904-01-01", "2023-03-15"]);
    }

    [Fact]
    public void Read_BooleanAndInlineStrings()
    {
        var bytes = new XlsxBuilder().Sheet("S", "<row r=\"1\"><c r=\"A1\" t=\"b\"><v>1</v></c><c r=\"B1\" t=\"b\"><v>0</v></c></row>").Build();

        Read(bytes).Rows[0].Cells.ShouldBe(["TRUE", "FALSE"]);
    }

    [Fact]
    public void TemplateCategory_ComesFromTheDefinedName()
    {
        var bytes = new XlsxBuilder().Sheet("数据", Row(1, "a")).DefinedName("SD_CATEGORY", "\"P-ARREARS-WATER\"").Build();

        Read(bytes).Source.TemplateCategory.ShouldBe("P-ARREARS-WATER");
    }

    [Fact]
    public void TemplateCategory_IsNullForOtherWorkbooks()
    {
        Read(new XlsxBuilder().Sheet("S", Row(1, "a")).Build()).Source.TemplateCategory.ShouldBeNull();
    }

    [Fact]
    public void Refuses_ZipWithoutWorkbook_AsNotASpreadsheet()
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("readme.txt").Open();
            s.Write("hello"u8);
        }

        var e = Refusal(memory.ToArray(), "数据.xlsx");

        e.Reason.ShouldBe(FileRefusal.NotASpreadsheet);
        e.MessageZh.ShouldBe("文件“数据.xlsx”实际上是一个压缩包（zip），不是 Excel 表格。请上传用平台模板填写的 Excel 文件（.xlsx；也可上传 .xls 或 .csv）。");
        e.MessageEn.ShouldContain("Upload the platform's template");
    }

    [Fact]
    public void Refuses_WordDocumentRenamed_NamingIt()
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("word/document.xml").Open();
            s.Write("<w:document/>"u8);
        }

        var e = Refusal(memory.ToArray());

        e.Reason.ShouldBe(FileRefusal.NotASpreadsheet);
        e.MessageEn.ShouldContain("a Word document (.docx)");
    }

    [Fact]
    public void Refuses_MacroWorkbook()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, "a")).Extra("xl/vbaProject.bin", "macro").Build();

        var e = Refusal(bytes, "宏.xlsm");

        e.Reason.ShouldBe(FileRefusal.MacroWorkbook);
        e.MessageZh.ShouldContain("启用宏");
        e.MessageEn.ShouldContain("Save As");
    }

    [Fact]
    public void Refuses_MalformedXml_AsCorrupt_NamingThePart()
    {
        var bytes = new XlsxBuilder().Sheet("S", "<row r=\"1\"><c r=\"A1\"><v>1</v></row>").Build();

        var e = Refusal(bytes);

        e.Reason.ShouldBe(FileRefusal.Corrupt);
        e.MessageZh.ShouldBe("文件已损坏，无法读取（xl/worksheets/sheet1.xml）。请在 Excel 中打开并另存为 .xlsx 后重新上传。");
        e.MessageEn.ShouldBe("The file is damaged and cannot be read (xl/worksheets/sheet1.xml). Open it in Excel, save it again as .xlsx and upload that.");
    }

    [Fact]
    public void Refuses_TruncatedZip_AsCorrupt()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, "a")).Build();

        Refusal(bytes[..(bytes.Length / 2)]).Reason.ShouldBe(FileRefusal.Corrupt);
    }

    [Fact]
    public void Refuses_SharedStringIndexOutOfRange_AsCorrupt()
    {
        var bytes = new XlsxBuilder().SharedStrings("a").Sheet("S", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row>").Build();

        Refusal(bytes).Reason.ShouldBe(FileRefusal.Corrupt);
    }

    [Fact]
    public void Refuses_DoctypeEntities_AsCorrupt()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, "a")).Build();
        var patched = Patch(bytes, "xl/worksheets/sheet1.xml",
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>");

        Refusal(patched).Reason.ShouldBe(FileRefusal.Corrupt);
    }

    [Fact]
    public void Refuses_GiantTokenWithoutTags_BeforeXmlReaderBuffersIt()
    {
        var bytes = new XlsxBuilder().Sheet("S", $"<row r=\"1\"><c r=\"A1\" t=\"{new string('s', 5 << 20)}\"><v>1</v></c></row>").Build();

        var e = Refusal(bytes);

        e.Reason.ShouldBe(FileRefusal.Corrupt);
        e.MessageZh.ShouldContain("xl/worksheets/sheet1.xml");
    }

    [Fact]
    public void Refuses_EmptySheet_AsNoData()
    {
        var e = Refusal(new XlsxBuilder().Sheet("S", string.Empty).Build());

        e.Reason.ShouldBe(FileRefusal.NoData);
        e.MessageZh.ShouldBe("文件中没有数据。请在模板中从第 3 行起填写数据后重新上传。");
    }

    [Fact]
    public void Refuses_TooManyRows()
    {
        var rows = string.Concat(Enumerable.Range(1, 5).Select(i => Row(i, "x")));
        var limits = IntakeFileLimits.Default with { MaxRows = 3 };

        var e = Refusal(new XlsxBuilder().Sheet("S", rows).Build(), limits: limits);

        e.Reason.ShouldBe(FileRefusal.TooManyRows);
        e.MessageZh.ShouldBe("文件的数据行超过上限 3 行。请分成多个文件上传。");
        e.MessageEn.ShouldBe("The file has more than 3 rows; split it into several files.");
    }

    [Fact]
    public void Refuses_TooManyColumns_NamingTheCell()
    {
        var limits = IntakeFileLimits.Default with { MaxColumns = 3 };

        var e = Refusal(new XlsxBuilder().Sheet("S", Row(1, "a", "b", "c", "d")).Build(), limits: limits);

        e.Reason.ShouldBe(FileRefusal.TooManyColumns);
        e.MessageZh.ShouldContain("单元格 D1");
        e.MessageEn.ShouldBe("The sheet has more than 3 columns (cell D1 is beyond). Keep only the template's columns, delete the others and upload again.");
    }

    [Fact]
    public void Refuses_CellTooLong_NamingTheCell()
    {
        var limits = IntakeFileLimits.Default with { MaxCellCharacters = 5 };
        var sheet = string.Concat(Enumerable.Range(1, 16).Select(i => Row(i, "ok"))) + Row(17, "a", "b", "c", "123456");

        var e = Refusal(new XlsxBuilder().Sheet("S", sheet).Build(), limits: limits);

        e.Reason.ShouldBe(FileRefusal.CellTooLong);
        e.MessageZh.ShouldBe("单元格 D17 的内容有 6 个字符，超过上限 5 个字符。请检查并缩短该单元格后重新上传。");
        e.MessageEn.ShouldContain("Cell D17 holds 6 characters");
    }

    [Fact]
    public void Refuses_FileLargerThanTheLimit_BeforeReading()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, "a")).Build();
        var limits = IntakeFileLimits.Default with { MaxFileBytes = 100 };

        var e = Should.Throw<IntakeFileException>(() => TabularReader.Open(new MemoryStream(bytes), "big.xlsx", limits));

        e.Reason.ShouldBe(FileRefusal.TooLarge);
        e.MessageEn.ShouldContain("over the 100 B limit; split it into several files");
    }

    [Fact]
    public void Refuses_NonSeekableStreamLargerThanTheLimit()
    {
        var limits = IntakeFileLimits.Default with { MaxFileBytes = 1000 };

        var e = Should.Throw<IntakeFileException>(() => TabularReader.Open(new NonSeekableStream(new byte[5000]), "big.csv", limits));

        e.Reason.ShouldBe(FileRefusal.TooLarge);
    }

    [Fact]
    public void Reads_NonSeekableStream_BySpoolingIt()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, "a")).Build();

        using var source = TabularReader.Open(new NonSeekableStream(bytes), "a.xlsx", IntakeFileLimits.Default);

        source.ReadRows(TestContext.Current.CancellationToken).ShouldHaveSingleItem().Cells.ShouldBe(["a"]);
    }

    [Fact]
    public void Refuses_ZipBomb_ByCompressionRatio()
    {
        using var memory = new MemoryStream();
        var plain = new XlsxBuilder().SharedStrings("a").Sheet("S", Row(1, "a")).Build();
        using (var zip = new ZipArchive(new MemoryStream(plain), ZipArchiveMode.Read))
        using (var output = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in zip.Entries)
            {
                // Maximum compression, as a bomb would use: zeros shrink about 1000-fold.
                var copy = output.CreateEntry(entry.FullName, CompressionLevel.SmallestSize);
                using var target = copy.Open();
                if (entry.FullName == "xl/sharedStrings.xml")
                {
                    var zeros = new byte[1 << 20];
                    for (var i = 0; i < 200; i++)
                    {
                        target.Write(zeros);
                    }
                }
                else
                {
                    using var from = entry.Open();
                    from.CopyTo(target);
                }
            }
        }

        var e = Refusal(memory.ToArray());

        e.Reason.ShouldBe(FileRefusal.ZipBomb, e.InnerException?.ToString());
        e.MessageZh.ShouldContain("xl/sharedStrings.xml");
        e.MessageZh.ShouldContain("疑似恶意文件");
        e.MessageEn.ShouldContain("looks like a zip bomb");
    }

    [Fact]
    public void Refuses_EntryWhoseHeaderUnderstatesItsSize_ByCountingRealBytes()
    {
        // A sheet of ~3 MB of real XML whose zip headers claim 1,000 bytes: the declared size passes
        // every check, the bytes that come out do not.
        var rows = string.Concat(Enumerable.Range(1, 30_000).Select(i => Row(i, "abcdefghij", "klmnopqrst", "0123456789")));
        var bytes = new XlsxBuilder().Sheet("S", rows).Build();
        var lying = LieAboutSize(bytes, "xl/worksheets/sheet1.xml", 1000);
        var limits = IntakeFileLimits.Default with { MaxUncompressedBytes = 1L << 20 };

        var e = Refusal(lying, limits: limits);

        e.Reason.ShouldBeOneOf(FileRefusal.ZipBomb, FileRefusal.Corrupt);
    }

    [Fact]
    public void Refuses_TotalDecompressedBytesOverTheLimit()
    {
        var rows = string.Concat(Enumerable.Range(1, 30_000).Select(i => Row(i, "abcdefghij", "klmnopqrst", "0123456789")));
        var limits = IntakeFileLimits.Default with { MaxUncompressedBytes = 1L << 20 };

        var e = Refusal(new XlsxBuilder().Sheet("S", rows).Build(), limits: limits);

        e.Reason.ShouldBe(FileRefusal.ZipBomb);
    }

    [Fact]
    public void ReadRows_HonoursCancellation()
    {
        var bytes = new XlsxBuilder().Sheet("S", Row(1, "a") + Row(2, "b")).Build();
        using var cts = new CancellationTokenSource();
        using var source = TabularReader.Open(new MemoryStream(bytes), "a.xlsx", IntakeFileLimits.Default);
        cts.Cancel();

        Should.Throw<OperationCanceledException>(() => source.ReadRows(cts.Token).ToList());
    }

    [Fact]
    public void Progress_FollowsTheSheetsRows_NotTheFilesBytes()
    {
        // Distinct shared strings, stored after the sheet as Excel does and read before the first row: most of the
        // file's bytes, so the file's position said 30 % when every row had been read.
        var strings = Enumerable.Range(0, 8000).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var rows = string.Concat(Enumerable.Range(1, 4000).Select(i =>
            $"<row r=\"{i}\"><c r=\"A{i}\" t=\"s\"><v>{2 * i - 2}</v></c><c r=\"B{i}\" t=\"s\"><v>{2 * i - 1}</v></c></row>"));
        var bytes = new XlsxBuilder().Sheet("S", rows).SharedStrings(strings).Build();
        using var source = TabularReader.Open(new MemoryStream(bytes), "a.xlsx", IntakeFileLimits.Default);
        source.BytesTotal.ShouldBe(bytes.Length);
        source.Progress.ShouldBe(0);

        var seen = new List<double>();
        foreach (var row in source.ReadRows(TestContext.Current.CancellationToken))
        {
            if (row.RowNumber % 1000 == 0)
            {
                seen.Add(source.Progress);
            }
        }

        seen.ShouldBeInOrder();
        seen[0].ShouldBeInRange(0.1, 0.45); // a quarter of the rows
        seen[^1].ShouldBeGreaterThan(0.9);
        source.Progress.ShouldBe(1);
    }

    internal static byte[] Patch(byte[] xlsx, string part, string content)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(new MemoryStream(xlsx), ZipArchiveMode.Read))
        using (var output = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in zip.Entries)
            {
                using var target = output.CreateEntry(entry.FullName).Open();
                if (entry.FullName == part)
                {
                    target.Write(Encoding.UTF8.GetBytes(content));
                }
                else
                {
                    using var from = entry.Open();
                    from.CopyTo(target);
                }
            }
        }

        return memory.ToArray();
    }

    /// <summary>Rewrites the uncompressed-size fields of one entry in its local header and central directory record.</summary>
    private static byte[] LieAboutSize(byte[] zip, string part, uint claimed)
    {
        var bytes = (byte[])zip.Clone();
        var name = Encoding.UTF8.GetBytes(part);
        for (var i = 0; i + 46 < bytes.Length; i++)
        {
            if (bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x03 && bytes[i + 3] == 0x04
                && bytes.AsSpan(i + 30, name.Length).SequenceEqual(name))
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(i + 22), claimed);
            }

            if (bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x01 && bytes[i + 3] == 0x02
                && bytes.AsSpan(i + 46, name.Length).SequenceEqual(name))
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(i + 24), claimed);
            }
        }

        return bytes;
    }
}

internal sealed class NonSeekableStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
