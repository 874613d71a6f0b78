using System.Text;
using Shangding.Core.Intake.Files;
using static Shangding.Core.Tests.Intake.Files.ReadHelper;

namespace Shangding.Core.Tests.Intake.Files;

public sealed class SniffingTests
{
    [Fact]
    public void Refuses_PngNamedXlsx_SayingWhatItIs()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

        var e = Refusal(png, "欠费名单.xlsx");

        e.Reason.ShouldBe(FileRefusal.NotASpreadsheet);
        e.MessageZh.ShouldBe("文件“欠费名单.xlsx”实际上是一张 PNG 图片，不是 Excel 表格。请上传用平台模板填写的 Excel 文件（.xlsx；也可上传 .xls 或 .csv）。");
        e.MessageEn.ShouldBe("The file '欠费名单.xlsx' is actually a PNG image, not a spreadsheet. Upload the platform's template filled in as an Excel file (.xlsx; .xls and .csv also work).");
        e.Message.ShouldBe(e.MessageZh + " / " + e.MessageEn);
    }

    [Fact]
    public void Refuses_Pdf()
    {
        var e = Refusal(Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n"), "a.xlsx");

        e.Reason.ShouldBe(FileRefusal.NotASpreadsheet);
        e.MessageEn.ShouldContain("a PDF document");
    }

    [Fact]
    public void Refuses_HtmlExportedAsXls()
    {
        var e = Refusal(Encoding.UTF8.GetBytes("<html><body><table><tr><td>姓名</td></tr></table></body></html>"), "导出.xls");

        e.Reason.ShouldBe(FileRefusal.NotASpreadsheet);
        e.MessageZh.ShouldContain("网页");
        e.MessageEn.ShouldContain("save it as .xlsx");
    }

    [Fact]
    public void Refuses_BinaryGarbage()
    {
        var garbage = Enumerable.Range(0, 4096).Select(i => (byte)((i * 37) % 256)).ToArray();

        var e = Refusal(garbage, "x.xlsx");

        e.Reason.ShouldBe(FileRefusal.NotASpreadsheet);
        e.MessageZh.ShouldContain("不是 Excel 表格或 CSV 文件");
    }

    [Fact]
    public void Refuses_EmptyFile_AsNoData()
    {
        Refusal([], "empty.csv").Reason.ShouldBe(FileRefusal.NoData);
    }

    [Fact]
    public void Refuses_EncryptedOoxml_FoundByItsCompoundFileDirectoryNames()
    {
        // An encrypted .xlsx is an OLE compound file with "EncryptionInfo" and "EncryptedPackage"
        // streams (MS-OFFCRYPTO); built here with a small CFB writer, stream contents irrelevant.
        var bytes = CompoundFileBuilder.Build(
            ("\u0006DataSpaces", []),
            ("EncryptionInfo", [4, 0, 4, 0, 0x40, 0, 0, 0]),
            ("EncryptedPackage", new byte[16]));

        var e = Refusal(bytes, "加密.xlsx");

        e.Reason.ShouldBe(FileRefusal.Encrypted);
        e.MessageZh.ShouldBe("文件已加密（设置了打开密码），平台无法读取。请取消密码后重新上传。");
        e.MessageEn.ShouldBe("The file is encrypted (password-protected); remove the password and upload it again.");
    }

    [Fact]
    public void Refuses_WordDoc_InACompoundFile()
    {
        var e = Refusal(CompoundFileBuilder.Build(("WordDocument", new byte[10])), "a.xls");

        e.Reason.ShouldBe(FileRefusal.NotASpreadsheet);
        e.MessageEn.ShouldContain("Word document (.doc)");
    }

    [Fact]
    public void Refuses_BrokenCompoundFile_AsCorrupt()
    {
        var bytes = CompoundFileBuilder.Build(("Workbook", new byte[10]));

        Refusal(bytes[..600], "a.xls").Reason.ShouldBe(FileRefusal.Corrupt);
    }

    [Fact]
    public void Reads_LegacyXls_ThroughExcelDataReader()
    {
        var workbook = BiffBuilder.Workbook("数据",
        [
            (0, 0, "姓名"), (0, 1, "证件号码"), (0, 2, "金额"),
            (1, 0, "张三"), (1, 1, "11010519491231002X"), (1, 2, 1280.5),
            (3, 0, "李四"), (3, 1, "410105199001011234"), (3, 2, 410105199001011234d),
        ]);
        var bytes = CompoundFileBuilder.Build(("Workbook", workbook));

        var (source, rows) = Read(bytes, "旧版.xls");

        source.Format.ShouldBe("xls");
        rows.Select(r => r.RowNumber).ShouldBe([1, 2, 4]);
        rows[0].Cells.ShouldBe(["姓名", "证件号码", "金额"]);
        rows[1].Cells.ShouldBe(["张三", "11010519491231002X", "1280.5"]);
        rows[2].Cells[2].ShouldBe("4.1010519900101126E+17");
        rows[2].Notes.ShouldHaveSingleItem().Kind.ShouldBe(CellNoteKind.NumberLostPrecision);
    }

    [Fact]
    public void Refuses_PasswordProtectedXls_AsEncrypted()
    {
        var workbook = BiffBuilder.Workbook("数据", [(0, 0, "姓名")], passwordProtected: true);

        var e = Refusal(CompoundFileBuilder.Build(("Workbook", workbook)), "加密.xls");

        e.Reason.ShouldBe(FileRefusal.Encrypted);
    }
}
