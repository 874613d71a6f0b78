using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Testing;

namespace Shangding.Core.Tests.Intake;

/// <summary>
/// A cell the file could not give a value for (here an ID number Excel stored as a floating-point number) is the row's
/// reason on its own: the reason names the cell once, shows the number masked, and the validator's "wrong check digit"
/// about the rounded number is not added.
/// </summary>
public sealed class CellProblemTests
{
    [Fact]
    public void AnIdNumberExcelRounded_GivesOneReason_NamingTheCellOnce_WithTheNumberMasked()
    {
        var id = TestPlatform.ResidentId(new DateOnly(1991, 2, 2), 123);
        var rounded = id[..17] + (id[17] == '1' ? "2" : "1"); // Excel kept 15 digits; what it shows has a wrong check digit
        var note = FileMessages.LostPrecision(3, "D16", rounded);
        note.MessageZh.ShouldNotContain(rounded);
        note.MessageZh.ShouldContain(Shangding.Core.Subjects.Masking.Mask(rounded));

        var service = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, new DatabaseSettings(DatabaseProvider.Sqlite, "Data Source=:memory:"), TimeProvider.System);
        var values = new Dictionary<string, string?>
        {
            ["record_key"] = "W-16",
            ["name"] = "王小明",
            ["id_type"] = "居民身份证",
            ["id_number"] = rounded,
            ["customer_address"] = "郑州市金水区花园路 1 号",
            ["arrears_from"] = "2025-06-01",
            ["arrears_counted_to"] = "2026-02-28",
            ["arrears_quantity"] = "120.5",
            ["arrears_amount"] = "1234.50",
            ["determining_body"] = "市自来水公司",
            ["determined_on"] = "2026-03-02",
        };
        var problem = new IntakeReason("cell_NumberLostPrecision", "id_number", "证件号码：" + note.MessageZh, "ID number: " + note.MessageEn);
        var row = new IntakeRow(16, null, values, [.. values.Values]) { Problems = [problem] };
        var request = new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "clerk:test", "P-ARREARS-WATER");

        var staged = service.Stage(row, 0, request, [], [], new DateOnly(2026, 3, 16));

        var reasons = IntakeReasons.Parse(staged.ReasonsJson!);
        reasons.ShouldHaveSingleItem().Code.ShouldBe("cell_NumberLostPrecision");
        reasons[0].MessageZh.ShouldNotContain(rounded);

        // Without the cell's problem, the same rounded number is refused for its check digit, as any wrong number is.
        var plain = service.Stage(row with { Problems = [] }, 0, request, [], [], new DateOnly(2026, 3, 16));
        IntakeReasons.Parse(plain.ReasonsJson!).ShouldContain(r => r.Field == "id_number");
    }
}
