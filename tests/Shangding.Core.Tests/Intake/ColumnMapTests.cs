using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Core.Tests.Intake;

public sealed class ColumnMapTests
{
    private static readonly Shangding.Core.Catalog.Category Water = TestPlatform.Catalog.Find("P-ARREARS-WATER")!;

    private static string?[] Titles(params string[] extra) =>
        [.. IntakeColumns.For(Water).Select(c => c.NameZh + (c.Required ? "*" : "")), .. extra];

    [Fact]
    public void TemplateHeaderWithCodeRow_MapsByCodes_AndDataStartsAfterBoth()
    {
        string?[] codes = [.. IntakeColumns.For(Water).Select(c => c.Code)];
        var map = ColumnMap.Detect([Titles(), codes, ["W-1", "张三"]], Water);
        map.Refusals.ShouldBeEmpty();
        map.DataStart.ShouldBe(2);
        map.Codes[0].ShouldBe("record_key");
        map.Codes.Values.ShouldContain("arrears_amount");
    }

    [Fact]
    public void ChineseTitlesWithoutStars_OrEnglishNames_AreRecognised_BelowATitleLine()
    {
        string?[] plain = [.. IntakeColumns.For(Water).Select(c => c.NameZh)];
        var map = ColumnMap.Detect([["2026年3月水费欠费名单", null], plain, ["W-1"]], Water);
        map.Refusals.ShouldBeEmpty();
        map.DataStart.ShouldBe(2);

        string?[] english = [.. IntakeColumns.For(Water).Select(c => c.NameEn)];
        ColumnMap.Detect([english], Water).Refusals.ShouldBeEmpty();
    }

    [Fact]
    public void AProhibitedColumn_RefusesTheWholeFile_NamingTheColumn()
    {
        var map = ColumnMap.Detect([Titles("月收入")], Water);
        var refusal = map.Refusals.ShouldHaveSingleItem();
        refusal.Code.ShouldBe("prohibited_column");
        refusal.MessageZh.ShouldContain("“月收入”");
        // Excel's column letter, as the clerk sees it above the sheet ("第 M 列" read as "the M-th column"), and the
        // measures by their title, not an internal document number.
        refusal.MessageZh.ShouldStartWith(ColumnMap.ColumnName(Titles().Length) + " 列“月收入”属于禁止征集的信息：");
        refusal.MessageZh.ShouldContain("（《郑州市公共信用信息管理暂行办法》第九条第（三）项）。整个文件未处理");
        refusal.MessageZh.ShouldNotContain("003");
        refusal.MessageEn.ShouldContain("art. 9(3)). The whole file was not processed");
        refusal.MessageEn.ShouldContain("delete the column");
    }

    [Fact]
    public void MissingRequiredColumns_AreNamed_AndUnknownColumnsOnlyWarn()
    {
        string?[] partial = ["单位记录编号", "欠费人姓名", "证件类型", "证件号码", "内部备注"];
        var map = ColumnMap.Detect([partial], Water);
        map.Refusals.ShouldHaveSingleItem().MessageZh.ShouldContain("欠费金额");
        map.Warnings.ShouldHaveSingleItem().ShouldContain("内部备注");
    }

    [Fact]
    public void NoRecognisableHeader_IsRefusedWithWhatToDo()
    {
        var map = ColumnMap.Detect([["a", "b", "c"], ["1", "2", "3"]], Water);
        map.Refusals.ShouldHaveSingleItem().MessageZh.ShouldContain("模板");
    }

    [Theory]
    [InlineData(0, "A")]
    [InlineData(25, "Z")]
    [InlineData(26, "AA")]
    [InlineData(701, "ZZ")]
    [InlineData(702, "AAA")]
    public void ColumnName_IsTheSpreadsheetLetter(int index, string name) => ColumnMap.ColumnName(index).ShouldBe(name);
}
