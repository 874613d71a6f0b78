using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Shangding.Core.Intake;

namespace Shangding.Core.Tests.Intake;

public sealed class RecordContentTests
{
    private static readonly JsonSerializerOptions ReferenceOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The reference forms: what stored fields and content hashes have always been — the sorted serializer's text — with
    // decimals without trailing zeros after their point since migration 0024 (820.50 and 820.5 are one value).
    private static string ReferenceJson(IReadOnlyDictionary<string, object?> values)
    {
        var sorted = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (value is not null)
            {
                sorted[key] = value is decimal d ? WithoutTrailingZeros(d) : value;
            }
        }

        return JsonSerializer.Serialize(sorted, ReferenceOptions);
    }

    private static decimal WithoutTrailingZeros(decimal d)
    {
        var text = d.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return text.Contains('.') ? decimal.Parse(text.TrimEnd('0').TrimEnd('.'), System.Globalization.CultureInfo.InvariantCulture) : d;
    }

    private static string ReferenceHash(string category, string subject, DateOnly? actDate, string fields) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', category, subject,
            actDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "", fields))))[..32];

    public static TheoryData<string> Cases => ["plain", "unicode", "escapes", "empty", "numbers"];

    private static Dictionary<string, object?> Values(string name) => name switch
    {
        "plain" => new() { ["zeta"] = "z", ["alpha"] = "a", ["Beta"] = "B", ["middle"] = null },
        "unicode" => new() { ["customer_address"] = "河南省郑州市金水区　花园路 1 号", ["remark"] = "“引号” <tag> & 'x' 😀", ["认定部门"] = "供水公司" },
        "escapes" => new() { ["a"] = "line\nbreak\ttab \"quote\" back\\slash \u0001 \u2028", ["b"] = "\ud800 lone" },
        "empty" => new() { ["only_null"] = null },
        _ => new() { ["qty"] = 12L, ["amount"] = 1234.50m, ["zero"] = 0.00m, ["whole"] = 1200.000m, ["neg"] = -0.001m, ["big"] = 79228162514264337593543950335m, ["int"] = 7, ["date"] = new DateOnly(2026, 3, 1) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToJson_IsTheSortedSerializerText(string name)
    {
        var values = Values(name);
        RecordContent.ToJson(values).ShouldBe(ReferenceJson(values));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hash_IsTheFirstHalfOfTheSha256OfTheJoinedText(string name)
    {
        var fields = ReferenceJson(Values(name));
        RecordContent.Hash("water_arrears", "ab12", new DateOnly(2026, 3, 1), fields).ShouldBe(ReferenceHash("water_arrears", "ab12", new DateOnly(2026, 3, 1), fields));
        RecordContent.Hash("供水欠费", "", null, fields).ShouldBe(ReferenceHash("供水欠费", "", null, fields));
    }

    [Theory]
    [InlineData("2026-03-01")]
    [InlineData(" 2024-02-29 ")]
    [InlineData("2023-02-29")]
    [InlineData("2026-13-01")]
    [InlineData("2026-00-10")]
    [InlineData("0000-01-01")]
    [InlineData("2026-1-05")]
    [InlineData("2026-03-0a")]
    [InlineData("2026/03/01")]
    [InlineData("20260301")]
    [InlineData("2026-03-01 00:00:00")]
    [InlineData("2026年3月1日")]
    public void ParseDate_AgreesWithTheFormatList(string raw)
    {
        string[] formats = ["yyyy-MM-dd", "yyyy-M-d", "yyyy/MM/dd", "yyyy/M/d", "yyyy.MM.dd", "yyyy.M.d", "yyyyMMdd", "yyyy年M月d日"];
        var text = raw.Trim();
        if (text.Length > 10 && (text[10] == ' ' || text[10] == 'T'))
        {
            text = text[..10];
        }

        DateOnly? expected = DateOnly.TryParseExact(text, formats, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : null;
        RecordValidator.ParseDate(raw).ShouldBe(expected);
    }

    public static TheoryData<string> Addresses => ["郑州市金水区花园路 1 号", "“引号” <tag> & 'x' 😀 \"quote\" back\\slash", "tab\there \u0001 \u2028 end", "\ud800 lone"];

    [Theory]
    [MemberData(nameof(Addresses))]
    public void AValidatedRecordsFields_WriteTheSameJsonAndHash_AsTheSortedSerializer(string address)
    {
        // A validated record's fields (RecordFieldDictionary) are written in an order worked out once per category; the
        // text must be what the sorted serializer gives, or records stored before would all look changed.
        var values = new Dictionary<string, string?>
        {
            ["record_key"] = "W-1", ["name"] = "王小明", ["id_type"] = "居民身份证",
            ["id_number"] = Shangding.Testing.TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123),
            ["customer_address"] = address, ["arrears_from"] = "2025-06-01", ["arrears_counted_to"] = "2026-02-28",
            ["arrears_quantity"] = "120.50", ["arrears_amount"] = "1,234.50", ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-03-02",
        };
        var result = new RecordValidator(Shangding.Testing.TestPlatform.Catalog.Find("P-ARREARS-WATER")!, new DateOnly(2026, 3, 16))
            .Validate(new IntakeRow(3, null, values, []));
        result.Reasons.ShouldBeEmpty();
        var fields = result.Record!.Fields;
        fields.ShouldBeOfType<RecordFieldDictionary>();

        var reference = ReferenceJson(new Dictionary<string, object?>(fields));
        RecordContent.ToJson(fields).ShouldBe(reference);
        RecordContent.ToJsonUtf8(fields).ShouldBe(Encoding.UTF8.GetBytes(reference));
        RecordContent.Hash("P-ARREARS-WATER", "ab12", new DateOnly(2026, 3, 2), RecordContent.ToJsonUtf8(fields))
            .ShouldBe(ReferenceHash("P-ARREARS-WATER", "ab12", new DateOnly(2026, 3, 2), reference));
        fields.Keys.ShouldBe(["customer_address", "arrears_from", "arrears_counted_to", "arrears_quantity", "arrears_amount", "determining_body", "determined_on"]);
        fields.ContainsKey("id_number").ShouldBeFalse();
        fields.Count.ShouldBe(7);
    }
}
