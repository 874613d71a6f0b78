using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Core.Tests.Intake;

public sealed class RecordValidatorTests
{
    private static readonly DateOnly Today = new(2026, 3, 16);

    private static RowResult Validate(string category, Dictionary<string, string?> values) =>
        new RecordValidator(TestPlatform.Catalog.Find(category)!, Today).Validate(new IntakeRow(3, null, values, []));

    private static Dictionary<string, string?> Volunteer(string id) => new()
    {
        ["record_key"] = "V-1",
        ["name"] = " 张 三 ",
        ["id_type"] = "身份证",
        ["id_number"] = id,
        ["rated_on"] = "2025年6月1日",
        ["rating_body"] = "市文明办",
        ["honour_level"] = "市级",
    };

    [Fact]
    public void FullWidthDigitsAndStraySpacesInAnId_AreNormalised_AndAliasesOfIdTypesAccepted()
    {
        var id = TestPlatform.ResidentId(new DateOnly(1988, 8, 8), 808);
        var wide = " " + string.Concat(id.Select(c => char.IsDigit(c) ? (char)(c - '0' + '０') : c)).Insert(6, "\u3000") + " ";
        var result = Validate("P-VOLUNTEER", Volunteer(wide));
        result.Reasons.ShouldBeEmpty();
        result.Record!.Subject!.NormalisedId.ShouldBe(id);
        result.Record.Subject.Name.ShouldBe("张 三");
        result.Record.Fields["rated_on"].ShouldBe("2025-06-01");
        result.Record.ActDate.ShouldBe(new DateOnly(2025, 6, 1));
        result.Record.Fields.ContainsKey("id_number").ShouldBeFalse();
    }

    [Theory]
    [InlineData("honour_level", "县级", "not_allowed")]
    [InlineData("rated_on", "2026-03-17", "future_date")]
    [InlineData("rated_on", "下个月", "bad_date")]
    [InlineData("rating_body", null, "required")]
    public void BadValues_AreRejected_WithTheFieldNamed(string field, string? value, string code)
    {
        var values = Volunteer(TestPlatform.ResidentId(new DateOnly(1988, 8, 8), 808));
        values[field] = value;
        var reason = Validate("P-VOLUNTEER", values).Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(code);
        reason.Field.ShouldBe(field);
    }

    [Theory]
    [InlineData("12", null)]
    [InlineData("12.0", null)]
    [InlineData("1,200", null)]
    [InlineData("9223372036854775807", null)]
    [InlineData("9223372036854775808", "integer_too_large")]
    [InlineData("99999999999999999999", "integer_too_large")]
    [InlineData("-99999999999999999999", "negative")]
    [InlineData("1.5", "bad_integer")]
    public void AWholeNumberField_TakesWholeNumbers_AndRefusesOnesBeyondItsRange(string value, string? code)
    {
        var values = new Dictionary<string, string?>
        {
            ["record_key"] = "B-1", ["name"] = "张三", ["id_type"] = "身份证", ["id_number"] = TestPlatform.ResidentId(new DateOnly(1988, 8, 8), 808),
            ["donation_place"] = "郑州市中心血站", ["donated_on"] = "2025-06-01", ["issuing_body"] = "郑州市中心血站", ["donation_count"] = value,
        };
        var result = Validate("P-BLOOD-DONATION", values);
        if (code is null)
        {
            result.Reasons.ShouldBeEmpty();
            result.Record!.Fields["donation_count"].ShouldBe(long.Parse(value.Replace(",", ""), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            var reason = result.Reasons.ShouldHaveSingleItem();
            (reason.Code, reason.Field).ShouldBe((code, "donation_count"));
            if (code == "integer_too_large")
            {
                reason.MessageZh.ShouldContain("过大");
                reason.MessageEn.ShouldContain("too large");
            }
        }
    }

    [Fact]
    public void AnOrganisationRecord_NeedsAValidUscc()
    {
        var values = new Dictionary<string, string?> { ["record_key"] = "R-1", ["name"] = "某公司", ["uscc"] = "91350100M000100Y44" };
        Validate("O-EPIDEMIC-RED-LIST", values).Reasons.ShouldContain(r => r.Code == "bad_id" && r.Field == "uscc");
    }

    [Fact]
    public void CourtRecords_TakeTheirDateFromTheActDateColumn()
    {
        var category = TestPlatform.Catalog.Find("P-COURT-DISHONEST-ENFORCEE")!;
        IntakeColumns.For(category).Select(c => c.Code).ShouldContain(IntakeColumns.ActDate);
        var values = new Dictionary<string, string?> { ["record_key"] = "C-1" };
        Validate(category.Code, values).Reasons.ShouldContain(r => r.Code == "act_date_required");
    }

    [Fact]
    public void Withdrawal_NeedsOnlyTheKey()
    {
        var result = Validate("P-VOLUNTEER", new Dictionary<string, string?> { ["record_key"] = "V-1", ["action"] = "撤回" });
        result.Record!.Action.ShouldBe(IntakeAction.Withdraw);
        Validate("P-VOLUNTEER", new Dictionary<string, string?> { ["record_key"] = "V-1", ["action"] = "删除" })
            .Reasons.ShouldHaveSingleItem().Code.ShouldBe("bad_action");
    }

    [Fact]
    public void MinorPenaltiesUnderTheSimplifiedProcedureAlreadyRemedied_AreExcluded()
    {
        var traffic = TestPlatform.Catalog.Find("P-TRAFFIC-VIOLATION")!;
        IntakeColumns.HasSimplifiedFlag(traffic).ShouldBeTrue();
        var values = traffic.Fields.ToDictionary(f => f.Code, f => (string?)(f.Type switch
        {
            Shangding.Core.Catalog.FieldType.Date => "2026-01-05",
            Shangding.Core.Catalog.FieldType.DateTime => "2026-01-05 08:30",
            Shangding.Core.Catalog.FieldType.Enum or Shangding.Core.Catalog.FieldType.IdType => f.AllowedValues[0],
            Shangding.Core.Catalog.FieldType.IdNumber => TestPlatform.ResidentId(new DateOnly(1990, 1, 1), 111),
            Shangding.Core.Catalog.FieldType.PlateNumber => "豫A12345",
            Shangding.Core.Catalog.FieldType.Integer or Shangding.Core.Catalog.FieldType.Money or Shangding.Core.Catalog.FieldType.Decimal => "1",
            _ => "示例",
        }));
        values["record_key"] = "T-1";
        Validate(traffic.Code, values).Reasons.ShouldBeEmpty();
        values[IntakeColumns.SimplifiedRemedied] = "是";
        Validate(traffic.Code, values).Reasons.ShouldHaveSingleItem().Code.ShouldBe("excluded_simplified_remedied");
    }
}
