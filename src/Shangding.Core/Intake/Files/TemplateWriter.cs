using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Shangding.Core.Catalog;
using Shangding.Core.Subjects;

namespace Shangding.Core.Intake.Files;

/// <summary>
/// The platform's Excel template for one category: sheet "数据" (titles in row 1, field codes in row 2,
/// data from row 3, dropdowns and typed cells), sheet "填表说明" (instructions, category code in B2) and
/// a hidden sheet "lists" feeding the dropdowns. The workbook name <c>SD_CATEGORY</c> carries the
/// category code, which <see cref="ITabularSource.TemplateCategory"/> reads back.
/// </summary>
public static class TemplateWriter
{
    public const string DataSheetName = "数据";
    public const string InstructionsSheetName = "填表说明";
    public const string ListsSheetName = "lists";
    public const string CategoryDefinedName = "SD_CATEGORY";
    public const string RecordKeyCode = IntakeColumns.RecordKey;
    public const string ActionCode = IntakeColumns.Action;
    public const string WithdrawAction = IntakeColumns.WithdrawValue;

    /// <summary>First data row; rows 1 and 2 are titles and field codes.</summary>
    public const int FirstDataRow = 3;

    /// <summary>Last row the dropdowns and validations cover: room for 100,000 records.</summary>
    public const int LastValidatedRow = 100_002;

    private const uint StyleHeader = 1;
    private const uint StyleCodes = 2;
    private const uint StyleText = 3;
    private const uint StyleDate = 4;
    private const uint StyleDateTime = 5;
    private const uint StyleNumber = 6;
    private const uint StyleTitle = 7;
    private const uint StyleLabel = 8;
    private const uint StyleWrap = 9;

    /// <summary>The template's columns: those of <see cref="IntakeColumns.For"/>, which every channel shares.</summary>
    public static IReadOnlyList<FieldDefinition> Columns(Category category)
    {
        ArgumentNullException.ThrowIfNull(category);
        return IntakeColumns.For(category);
    }

    /// <summary>Title in row 1: the Chinese name, with <c>*</c> after required ones.</summary>
    private static string Title(FieldDefinition column) => column.Required ? column.NameZh + "*" : column.NameZh;

    public static void Write(Category category, CatalogDefinition catalog, Stream output)
    {
        ArgumentNullException.ThrowIfNull(category);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(output);
        var columns = Columns(category);

        // The SDK's package needs a seekable stream; a template is small, so build it in memory.
        using var memory = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(memory, SpreadsheetDocumentType.Workbook))
        {
            var workbookPart = document.AddWorkbookPart();
            var stylesPart = workbookPart.AddNewPart<WorkbookStylesPart>();
            stylesPart.Stylesheet = Styles();

            var dataPart = workbookPart.AddNewPart<WorksheetPart>();
            var instructionsPart = workbookPart.AddNewPart<WorksheetPart>();
            var listsPart = workbookPart.AddNewPart<WorksheetPart>();

            var definedNames = new DefinedNames(new DefinedName { Name = CategoryDefinedName, Text = $"\"{category.Code}\"" });
            var lists = columns.Where(c => c.Code != ActionCode && c.AllowedValues.Count > 0).ToList();
            var listNames = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < lists.Count; i++)
            {
                var name = $"SD_LIST_{i + 1}";
                var letter = CellReference.ColumnName(i);
                definedNames.Append(new DefinedName { Name = name, Text = $"{ListsSheetName}!${letter}$1:${letter}${lists[i].AllowedValues.Count}" });
                listNames[lists[i].Code] = name;
            }

            dataPart.Worksheet = DataSheet(columns, listNames);
            instructionsPart.Worksheet = InstructionsSheet(category, catalog, columns);
            listsPart.Worksheet = ListsSheet(lists);

            workbookPart.Workbook = new Workbook(
                new WorkbookProperties(),
                new BookViews(new WorkbookView { ActiveTab = 0 }),
                new Sheets(
                    new Sheet { Name = DataSheetName, SheetId = 1, Id = workbookPart.GetIdOfPart(dataPart) },
                    new Sheet { Name = InstructionsSheetName, SheetId = 2, Id = workbookPart.GetIdOfPart(instructionsPart) },
                    new Sheet { Name = ListsSheetName, SheetId = 3, Id = workbookPart.GetIdOfPart(listsPart), State = SheetStateValues.Hidden }),
                definedNames);

            document.PackageProperties.Title = $"{category.NameZh} 报送模板";
            document.PackageProperties.Subject = category.Code;
            document.PackageProperties.Creator = "商鼎信用平台";
        }

        memory.Position = 0;
        memory.CopyTo(output);
    }

    private static Worksheet DataSheet(IReadOnlyList<FieldDefinition> columns, Dictionary<string, string> listNames)
    {
        var last = CellReference.ColumnName(columns.Count - 1);
        var cols = new Columns();
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            cols.Append(new Column
            {
                Min = (uint)(i + 1),
                Max = (uint)(i + 1),
                Width = Math.Clamp((column.NameZh.Length * 2.2) + 4, 12, 40) + (column.Type is FieldType.IdNumber or FieldType.Uscc ? 8 : 0),
                CustomWidth = true,
                Style = ColumnStyle(column.Type),
            });
        }

        var titles = new Row { RowIndex = 1, Height = 30, CustomHeight = true };
        var codes = new Row { RowIndex = 2 };
        for (var i = 0; i < columns.Count; i++)
        {
            titles.Append(TextCell(CellReference.Name(i, 1), Title(columns[i]), StyleHeader));
            codes.Append(TextCell(CellReference.Name(i, 2), columns[i].Code, StyleCodes));
        }

        var validations = new DataValidations();
        validations.Append(new DataValidation(new Formula1("FALSE"))
        {
            Type = DataValidationValues.Custom,
            AllowBlank = false,
            ShowInputMessage = true,
            ShowErrorMessage = true,
            PromptTitle = "请勿修改",
            Prompt = "第 2 行是字段代码，平台据此识别各列，请勿修改或删除。",
            ErrorTitle = "请勿修改",
            Error = "第 2 行是字段代码，平台据此识别各列，不能修改。请从第 3 行起填写数据。",
            SequenceOfReferences = new ListValue<StringValue> { InnerText = $"A2:{last}2" },
        });
        for (var i = 0; i < columns.Count; i++)
        {
            if (Validation(columns[i], listNames) is { } validation)
            {
                var letter = CellReference.ColumnName(i);
                validation.SequenceOfReferences = new ListValue<StringValue> { InnerText = $"{letter}{FirstDataRow}:{letter}{LastValidatedRow}" };
                validations.Append(validation);
            }
        }

        validations.Count = (uint)validations.ChildElements.Count;
        return new Worksheet(
            new SheetViews(new SheetView(
                new Pane { VerticalSplit = 2, TopLeftCell = $"A{FirstDataRow}", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen },
                new Selection { Pane = PaneValues.BottomLeft, ActiveCell = $"A{FirstDataRow}", SequenceOfReferences = new ListValue<StringValue> { InnerText = $"A{FirstDataRow}" } })
            { TabSelected = true, WorkbookViewId = 0 }),
            new SheetFormatProperties { DefaultRowHeight = 15 },
            cols,
            new SheetData(titles, codes),
            validations,
            new PageMargins { Left = 0.7, Right = 0.7, Top = 0.75, Bottom = 0.75, Header = 0.3, Footer = 0.3 });
    }

    private static DataValidation? Validation(FieldDefinition column, Dictionary<string, string> listNames)
    {
        if (column.Code == ActionCode)
        {
            return List($"\"{WithdrawAction}\"", $"留空表示新增或更新；填“{WithdrawAction}”表示撤回本单位此前报送的该条记录。");
        }

        if (listNames.TryGetValue(column.Code, out var listName))
        {
            return List(listName, "请从下拉列表中选择。");
        }

        switch (column.Type)
        {
            case FieldType.Date or FieldType.DateTime:
                var max = (new DateTime(2100, 12, 31, 0, 0, 0, DateTimeKind.Unspecified) - new DateTime(1899, 12, 30, 0, 0, 0, DateTimeKind.Unspecified)).Days;
                return new DataValidation(new Formula1("1"), new Formula2(max.ToString(CultureInfo.InvariantCulture)))
                {
                    Type = DataValidationValues.Date,
                    Operator = DataValidationOperatorValues.Between,
                    AllowBlank = true,
                    ShowInputMessage = true,
                    ShowErrorMessage = true,
                    PromptTitle = column.NameZh,
                    Prompt = column.Type == FieldType.Date ? "请输入日期，如 2026-01-15。" : "请输入日期和时间，如 2026-01-15 09:30:00。",
                    ErrorTitle = "日期无效",
                    Error = "请输入有效日期，格式为 年-月-日（如 2026-01-15），范围 1900-01-01 至 2100-12-31。",
                };
            case FieldType.Integer:
                return Number(DataValidationValues.Whole, "请输入不小于 0 的整数。");
            case FieldType.Decimal:
                return Number(DataValidationValues.Decimal, "请输入不小于 0 的数值。");
            case FieldType.Money:
                return Number(DataValidationValues.Decimal, "请输入不小于 0 的金额（元），如 1280.50。");
            default:
                if (column.MaxLength is { } maxLength)
                {
                    return new DataValidation(new Formula1(maxLength.ToString(CultureInfo.InvariantCulture)))
                    {
                        Type = DataValidationValues.TextLength,
                        Operator = DataValidationOperatorValues.LessThanOrEqual,
                        AllowBlank = true,
                        ShowErrorMessage = true,
                        ErrorTitle = "内容过长",
                        Error = $"{column.NameZh}最多 {maxLength} 个字符。",
                    };
                }

                return null;
        }

        static DataValidation List(string formula, string prompt) => new(new Formula1(formula))
        {
            Type = DataValidationValues.List,
            AllowBlank = true,
            ShowInputMessage = true,
            ShowErrorMessage = true,
            Prompt = prompt,
            ErrorTitle = "输入值无效",
            Error = "请从下拉列表中选择。",
        };

        static DataValidation Number(DataValidationValues type, string error) => new(new Formula1("0"))
        {
            Type = type,
            Operator = DataValidationOperatorValues.GreaterThanOrEqual,
            AllowBlank = true,
            ShowErrorMessage = true,
            ErrorTitle = "数值无效",
            Error = error,
        };
    }

    private static Worksheet InstructionsSheet(Category category, CatalogDefinition catalog, IReadOnlyList<FieldDefinition> columns)
    {
        var rows = new List<Row>();
        void Add(uint style, params string[] values)
        {
            var index = (uint)rows.Count + 1;
            var row = new Row { RowIndex = index };
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i].Length > 0)
                {
                    row.Append(TextCell(CellReference.Name(i, (int)index), values[i], i == 0 && style == StyleText ? StyleLabel : style));
                }
            }

            rows.Add(row);
        }

        var units = string.Join("、", category.ResponsibleUnits.Select(u => catalog.FindUnit(u)?.NameZh ?? u));
        Add(StyleTitle, $"{category.NameZh} 报送模板填表说明 / Instructions");
        Add(StyleText, "类别代码 / Category code", category.Code);
        Add(StyleText, "类别名称 / Category", category.NameZh, category.NameEn);
        Add(StyleText, "报送单位 / Reporting unit", units);
        Add(StyleText, "归集周期 / Collection cycle", CycleZh(category.CollectionCycle), category.CollectionCycle);
        var deadline = Shangding.Core.Reporting.ReportingSchedule.DeadlineRule(category); // the rule ReportingSchedule enforces
        Add(StyleText, "报送时限 / Deadline", deadline.Zh, deadline.En);
        Add(StyleText);
        Add(StyleHeader, "列标题", "字段代码", "类型", "必填", "允许的值", "示例");
        foreach (var column in columns)
        {
            Add(StyleWrap, column.NameZh, column.Code, TypeZh(column.Type), column.Required ? "是" : "否",
                column.AllowedValues.Count > 0 ? string.Join("、", column.AllowedValues) : column.MaxLength is { } max ? $"最多 {max} 个字符" : string.Empty,
                Example(column));
        }

        Add(StyleText);
        Add(StyleLabel, "填报规则 / Rules");
        Add(StyleWrap, "1", "第 1 行是列标题（带 * 的为必填），第 2 行是字段代码：请勿修改、删除或调整列的顺序，平台据此识别各列。");
        Add(StyleWrap, "2", "从第 3 行起每行填写一条记录，不要合并单元格，不要使用公式，不要增加或隐藏工作表。");
        Add(StyleWrap, "3", "“单位记录编号”是本单位为每条记录设定的唯一编号；再次上传同一编号的记录会更新该记录。");
        Add(StyleWrap, "4", $"“操作”列留空表示新增或更新；填“{WithdrawAction}”表示撤回本单位此前报送的该条记录。");
        Add(StyleWrap, "5", "证件号码、统一社会信用代码等长号码请按文本填写（本模板已将这些列设为文本格式），否则 Excel 会丢失末尾数字。");
        Add(StyleWrap, "6", "日期请按 年-月-日 填写，如 2026-01-15。金额、数量不能为负数。");
        Add(StyleWrap, "7", "禁止采集、不得增加以下信息的列（《郑州市公共信用信息管理暂行办法》第九条）：种族、民族、家庭出身、宗教信仰；基因、指纹、血型、疾病和病史；收入、存款、有价证券、商业保险、不动产和纳税数额等（后者需信息主体书面同意）。含此类列的文件将被整体拒收。");
        Add(StyleWrap, "8", "上传后平台逐行校验：通过的记录入库，未通过的记录可下载“未通过原因”文件，修改后重新上传。");

        return new Worksheet(
            new SheetFormatProperties { DefaultRowHeight = 15 },
            new Columns(
                new Column { Min = 1, Max = 1, Width = 28, CustomWidth = true },
                new Column { Min = 2, Max = 2, Width = 30, CustomWidth = true },
                new Column { Min = 3, Max = 3, Width = 26, CustomWidth = true },
                new Column { Min = 4, Max = 4, Width = 8, CustomWidth = true },
                new Column { Min = 5, Max = 5, Width = 40, CustomWidth = true },
                new Column { Min = 6, Max = 6, Width = 30, CustomWidth = true }),
            new SheetData(rows));
    }

    private static Worksheet ListsSheet(List<FieldDefinition> lists)
    {
        var height = lists.Count == 0 ? 0 : lists.Max(l => l.AllowedValues.Count);
        var data = new SheetData();
        for (var r = 0; r < height; r++)
        {
            var row = new Row { RowIndex = (uint)(r + 1) };
            for (var c = 0; c < lists.Count; c++)
            {
                if (r < lists[c].AllowedValues.Count)
                {
                    row.Append(TextCell(CellReference.Name(c, r + 1), lists[c].AllowedValues[r], 0));
                }
            }

            data.Append(row);
        }

        return new Worksheet(data);
    }

    private static Cell TextCell(string reference, string text, uint style) => new(new InlineString(new Text(text)))
    {
        CellReference = reference,
        DataType = DocumentFormat.OpenXml.Spreadsheet.CellValues.InlineString,
        StyleIndex = style == 0 ? null : style,
    };

    private static uint ColumnStyle(FieldType type) => type switch
    {
        FieldType.Date => StyleDate,
        FieldType.DateTime => StyleDateTime,
        FieldType.Integer or FieldType.Decimal or FieldType.Money => StyleNumber,
        _ => StyleText,
    };

    private static Stylesheet Styles() => new(
        new NumberingFormats(
            new NumberingFormat { NumberFormatId = 164, FormatCode = "yyyy-mm-dd" },
            new NumberingFormat { NumberFormatId = 165, FormatCode = "yyyy-mm-dd hh:mm:ss" })
        { Count = 2 },
        new Fonts(
            Font(11, bold: false, color: null),
            Font(11, bold: true, color: null),
            Font(9, bold: false, color: "FF808080"),
            Font(14, bold: true, color: null))
        { Count = 4 },
        new Fills(
            new Fill(new PatternFill { PatternType = PatternValues.None }),
            new Fill(new PatternFill { PatternType = PatternValues.Gray125 }),
            SolidFill("FFDDEBF7"),
            SolidFill("FFF2F2F2"))
        { Count = 4 },
        new Borders(
            new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder()),
            new Border(
                new LeftBorder { Style = BorderStyleValues.Thin },
                new RightBorder { Style = BorderStyleValues.Thin },
                new TopBorder { Style = BorderStyleValues.Thin },
                new BottomBorder { Style = BorderStyleValues.Thin },
                new DiagonalBorder()))
        { Count = 2 },
        new CellStyleFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0 }) { Count = 1 },
        new CellFormats(
            new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0 },
            new CellFormat(new Alignment { Horizontal = HorizontalAlignmentValues.Center, Vertical = VerticalAlignmentValues.Center, WrapText = true })
            { NumberFormatId = 49, FontId = 1, FillId = 2, BorderId = 1, FormatId = 0, ApplyFont = true, ApplyFill = true, ApplyBorder = true, ApplyAlignment = true, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 49, FontId = 2, FillId = 3, BorderId = 0, FormatId = 0, ApplyFont = true, ApplyFill = true, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 49, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 164, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 165, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0 },
            new CellFormat { NumberFormatId = 0, FontId = 3, FillId = 0, BorderId = 0, FormatId = 0, ApplyFont = true },
            new CellFormat { NumberFormatId = 0, FontId = 1, FillId = 0, BorderId = 0, FormatId = 0, ApplyFont = true },
            new CellFormat(new Alignment { Vertical = VerticalAlignmentValues.Top, WrapText = true })
            { NumberFormatId = 49, FontId = 0, FillId = 0, BorderId = 0, FormatId = 0, ApplyAlignment = true, ApplyNumberFormat = true })
        { Count = 10 },
        new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }) { Count = 1 });

    private static Font Font(double size, bool bold, string? color)
    {
        var font = new Font();
        if (bold)
        {
            font.Append(new Bold());
        }

        font.Append(new FontSize { Val = size });
        if (color is not null)
        {
            font.Append(new Color { Rgb = color });
        }

        font.Append(new FontName { Val = "等线" }, new FontFamilyNumbering { Val = 2 }, new FontCharSet { Val = 134 });
        return font;
    }

    private static Fill SolidFill(string rgb) =>
        new(new PatternFill(new ForegroundColor { Rgb = rgb }, new BackgroundColor { Indexed = 64 }) { PatternType = PatternValues.Solid });

    internal static string TypeZh(FieldType type) => type switch
    {
        FieldType.Text => "文本",
        FieldType.Name => "姓名/名称（文本）",
        FieldType.IdType => "证件类型（下拉选择）",
        FieldType.IdNumber => "证件号码（文本）",
        FieldType.Uscc => "统一社会信用代码（18 位文本）",
        FieldType.Date => "日期（年-月-日）",
        FieldType.DateTime => "日期时间（年-月-日 时:分:秒）",
        FieldType.Integer => "整数（≥0）",
        FieldType.Decimal => "数值（≥0）",
        FieldType.Money => "金额，元（≥0）",
        FieldType.Enum => "下拉选择",
        FieldType.Address => "地址（文本）",
        FieldType.PlateNumber => "车牌号（文本）",
        _ => type.ToString(),
    };

    private static string CycleZh(string cycle) => cycle switch
    {
        CollectionCycles.Realtime => "实时",
        CollectionCycles.Daily => "每日",
        CollectionCycles.Monthly => "每月",
        CollectionCycles.Quarterly => "每季度",
        CollectionCycles.HalfYear => "每半年",
        CollectionCycles.Yearly => "每年",
        _ => cycle,
    };

    private static string Example(FieldDefinition column) => column.Code switch
    {
        RecordKeyCode => "SW-2026-000123",
        ActionCode => $"（留空）或 {WithdrawAction}",
        _ => column.AllowedValues.Count > 0 ? column.AllowedValues[0] : column.Type switch
        {
            FieldType.Name => "张三",
            FieldType.IdNumber => ExampleIdNumber.Value,
            FieldType.Uscc => "91350100M000100Y43",
            FieldType.Date => "2026-01-15",
            FieldType.DateTime => "2026-01-15 09:30:00",
            FieldType.Integer => "3",
            FieldType.Decimal => "12.5",
            FieldType.Money => "1280.50",
            FieldType.Address => "郑州市金水区花园路 1 号",
            FieldType.PlateNumber => "豫A12345",
            _ => string.Empty,
        },
    };
}
