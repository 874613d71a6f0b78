using Shangding.Core.Intake;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using ExcelDataReader;
using Shangding.Core.Catalog;
using Shangding.Core.Reporting;
using Shangding.Core.Intake.Files;
using Shangding.Core.Tests.Catalog;

namespace Shangding.Core.Tests.Intake.Files;

public sealed class TemplateWriterTests(RealCatalog catalog) : IClassFixture<RealCatalog>
{
    static TemplateWriterTests() => System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);

    private CatalogDefinition Catalog => catalog.Definition;

    [Fact]
    public void Template_ReadsBackWithOurReader_TitlesCodesAndCategory()
    {
        var bytes = Write("P-ARREARS-WATER");

        using var source = TabularReader.Open(new MemoryStream(bytes), "模板.xlsx", IntakeFileLimits.Default);
        var rows = source.ReadRows(TestContext.Current.CancellationToken).ToList();

        source.TemplateCategory.ShouldBe("P-ARREARS-WATER");
        source.Warnings.ShouldBeEmpty(); // the hidden lists sheet and the instructions are our own
        rows.Count.ShouldBe(2);
        rows[0].Cells.ShouldBe([
            "单位记录编号*", "欠费人姓名*", "证件类型*", "证件号码*", "用户地址*", "欠费开始日期*", "欠费统计截止日期*",
            "欠费量*", "欠费金额*", "认定部门*", "认定日期*", "备注", "操作",
        ]);
        rows[1].Cells.ShouldBe([
            "record_key", "name", "id_type", "id_number", "customer_address", "arrears_from", "arrears_counted_to",
            "arrears_quantity", "arrears_amount", "determining_body", "determined_on", "remarks", "action",
        ]);
    }

    [Fact]
    public void Template_ReadsBackWithExcelDataReader()
    {
        var bytes = Write("P-ARREARS-WATER");

        using var reader = ExcelReaderFactory.CreateOpenXmlReader(new MemoryStream(bytes));
        reader.Name.ShouldBe("数据");
        reader.Read().ShouldBeTrue();
        reader.GetString(0).ShouldBe("单位记录编号*");
        reader.Read().ShouldBeTrue();
        reader.GetString(reader.FieldCount - 1).ShouldBe("action");
        reader.ResultsCount.ShouldBe(3);
    }

    [Fact]
    public void Template_IsValidOpenXml()
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(Write("P-TRAFFIC-VIOLATION")), false);

        var errors = new OpenXmlValidator().Validate(document, TestContext.Current.CancellationToken).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();

        errors.ShouldBeEmpty();
    }

    [Fact]
    public void Template_HasDropdownsFromTheHiddenListsSheet_DateAndNumberValidations_AndTypedColumns()
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(Write("P-ARREARS-WATER")), false);
        var workbook = document.WorkbookPart!;
        var sheets = workbook.Workbook.Sheets!.Elements<Sheet>().ToList();
        sheets.Select(s => s.Name!.Value).ShouldBe(["数据", "填表说明", "lists"]);
        sheets[2].State!.Value.ShouldBe(SheetStateValues.Hidden);

        var names = workbook.Workbook.DefinedNames!.Elements<DefinedName>().ToDictionary(d => d.Name!.Value!, d => d.Text);
        names["SD_CATEGORY"].ShouldBe("\"P-ARREARS-WATER\"");
        names["SD_LIST_1"].ShouldBe($"lists!$A$1:$A${Catalog.IdTypes.Count}");

        var data = ((WorksheetPart)workbook.GetPartById(sheets[0].Id!)).Worksheet;
        var validations = data.Descendants<DataValidation>().ToList();
        var lists = validations.Where(v => v.Type?.Value == DataValidationValues.List).ToList();
        lists.Count.ShouldBe(2);
        lists.Select(v => v.Formula1!.Text).ShouldBe(["SD_LIST_1", "\"撤回\""]);
        lists[0].SequenceOfReferences!.InnerText.ShouldBe("C3:C100002");
        lists[1].SequenceOfReferences!.InnerText.ShouldBe("M3:M100002");

        var dates = validations.Where(v => v.Type?.Value == DataValidationValues.Date).ToList();
        dates.Select(v => v.SequenceOfReferences!.InnerText).ShouldBe(["F3:F100002", "G3:G100002", "K3:K100002"]);
        dates[0].Formula2!.Text.ShouldBe("73415"); // 2100-12-31
        dates[0].Error!.Value!.ShouldContain("年-月-日");
        validations.Count(v => v.Type?.Value == DataValidationValues.Decimal && v.Formula1!.Text == "0").ShouldBe(2);

        // Column styles: dates yyyy-mm-dd, ID number as text (@ = 49).
        var formats = workbook.WorkbookStylesPart!.Stylesheet.CellFormats!.Elements<CellFormat>().ToList();
        var customFormats = workbook.WorkbookStylesPart.Stylesheet.NumberingFormats!.Elements<NumberingFormat>()
            .ToDictionary(f => f.NumberFormatId!.Value, f => f.FormatCode!.Value);
        var columns = data.Descendants<Column>().ToList();
        customFormats[formats[(int)columns[5].Style!.Value].NumberFormatId!.Value].ShouldBe("yyyy-mm-dd");
        formats[(int)columns[3].Style!.Value].NumberFormatId!.Value.ShouldBe(49u);
        formats[(int)columns[0].Style!.Value].NumberFormatId!.Value.ShouldBe(49u);

        var pane = data.Descendants<Pane>().Single();
        pane.VerticalSplit!.Value.ShouldBe(2);
        pane.State!.Value.ShouldBe(PaneStateValues.Frozen);

        var listsSheet = ((WorksheetPart)workbook.GetPartById(sheets[2].Id!)).Worksheet;
        listsSheet.Descendants<Text>().Select(t => t.Text).ShouldBe(Catalog.IdTypes);
    }

    [Fact]
    public void Instructions_NameTheCategoryAndDeadline_AndCarryTheCodeInB2()
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(Write("P-ARREARS-WATER")), false);
        var workbook = document.WorkbookPart!;
        var sheet = workbook.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == "填表说明");
        var cells = ((WorksheetPart)workbook.GetPartById(sheet.Id!)).Worksheet.Descendants<Cell>()
            .ToDictionary(c => c.CellReference!.Value!, c => c.InnerText);

        cells["B2"].ShouldBe("P-ARREARS-WATER");
        cells.Values.ShouldContain("拖欠公用事业费用信息（水费）");
        cells.Values.ShouldContain("市自来水公司");
        // P-ARREARS-WATER is collected in real time: reported like a daily category (ReportingSchedule), not "10 working days after the period".
        cells["B5"].ShouldBe("实时");
        cells["B6"].ShouldBe(ReportingSchedule.DeadlineRule(Catalog.Find("P-ARREARS-WATER")!).Zh);
        cells["B6"].ShouldStartWith("实时归集：每个工作日报送，当日的信息最迟于下一个工作日（含当日）报送。");
        cells.Values.ShouldNotContain(v => v.Contains("每个归集周期结束后 10 个工作日", StringComparison.Ordinal));
        cells.Values.ShouldContain(v => v.Contains("撤回", StringComparison.Ordinal));
        cells.Values.ShouldContain(v => v.Contains("宗教信仰", StringComparison.Ordinal));
        cells.Values.ShouldContain("证件号码（文本）");
    }

    [Fact]
    public void Instructions_OfALicenceOrPenaltyCategory_SaySevenWorkingDays()
    {
        var category = Catalog.Categories.First(c => c.IsLicenceOrPenalty);
        using var document = SpreadsheetDocument.Open(new MemoryStream(Write(category.Code)), false);

        document.WorkbookPart!.WorksheetParts.SelectMany(p => p.Worksheet.Descendants<Text>()).Select(t => t.Text)
            .ShouldContain(t => t.Contains("7 个工作日", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryCategory_GetsATemplateThatReadsBack()
    {
        Catalog.Categories.Count.ShouldBe(47);
        foreach (var category in Catalog.Categories)
        {
            using var source = TabularReader.Open(new MemoryStream(Write(category.Code)), "t.xlsx", IntakeFileLimits.Default);
            var rows = source.ReadRows(TestContext.Current.CancellationToken).ToList();
            source.TemplateCategory.ShouldBe(category.Code);
            rows[1].Cells.ShouldBe([.. IntakeColumns.For(category).Select(f => f.Code)], category.Code);
            rows[1].Cells[0].ShouldBe("record_key");
            rows[1].Cells[^1].ShouldBe("action");
        }
    }

    [Fact]
    public void FilledTemplate_DataRowsComeBackAsText_IdsIntact()
    {
        // A clerk fills row 3; the ID was typed into a text-formatted column, so it is a string.
        var bytes = Write("P-ARREARS-WATER");
        using var m = new MemoryStream();
        m.Write(bytes);
        m.Position = 0;
        using (var document = SpreadsheetDocument.Open(m, true))
        {
            var part = document.WorkbookPart!.WorksheetParts.First(p => p.Worksheet.Descendants<Text>().Any(t => t.Text == "record_key"));
            var row = new Row { RowIndex = 3 };
            row.Append(
                new Cell(new InlineString(new Text("SW-1"))) { CellReference = "A3", DataType = DocumentFormat.OpenXml.Spreadsheet.CellValues.InlineString },
                new Cell(new InlineString(new Text("410105199001011234"))) { CellReference = "D3", DataType = DocumentFormat.OpenXml.Spreadsheet.CellValues.InlineString },
                new Cell(new CellValue("46031")) { CellReference = "F3", StyleIndex = 4 });
            part.Worksheet.GetFirstChild<SheetData>()!.Append(row);
            part.Worksheet.Save();
        }

        bytes = m.ToArray();

        using var source = TabularReader.Open(new MemoryStream(bytes), "t.xlsx", IntakeFileLimits.Default);
        var data = source.ReadRows(TestContext.Current.CancellationToken).Last();

        data.RowNumber.ShouldBe(3);
        data.Cells[3].ShouldBe("410105199001011234");
        data.Cells[5].ShouldBe("2026-01-09");
    }

    private byte[] Write(string code)
    {
        using var output = new MemoryStream();
        TemplateWriter.Write(Catalog.Find(code)!, Catalog, output);
        return output.ToArray();
    }
}
