using System.Globalization;
using Shangding.Core.Catalog;
using Shangding.Core.Scoring;

namespace Shangding.Core.Generation;

/// <summary>One generated credit record in the stored form intake produces (fields as intake's validator leaves them).</summary>
/// <param name="Cells">The record as a clerk would type it (every field, including the subject's), for checking it against intake.</param>
public sealed record SyntheticRecord(
    Category Category,
    string UnitCode,
    DateOnly ActDate,
    Dictionary<string, object?> Fields,
    string Status,
    bool UnderDispute)
{
    /// <summary>The fields as cell text, the way <c>RecordValidator</c> reads them.</summary>
    public Dictionary<string, string?> Cells()
    {
        var cells = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (code, value) in Fields)
        {
            cells[code] = value switch
            {
                null => null,
                decimal d => d.ToString(CultureInfo.InvariantCulture),
                long l => l.ToString(CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
        }

        return cells;
    }
}

/// <summary>
/// Draws credit records of the catalogue's person categories with plausible values: common things
/// (volunteering, blood donation, traffic violations, utility arrears) often, rare ones (heroic acts,
/// court listings, criminal judgements) seldom; dates in order and in the past; amounts, counts and
/// grades with realistic spreads; and, now and then, a second report of the same act by another
/// unit or list (the model's same-act groups), which the score counts once.
/// </summary>
public sealed class SyntheticRecords
{
    // How often each category occurs relative to the others (unknown person categories weigh 1).
    private static readonly Dictionary<string, int> Weights = new(StringComparer.Ordinal)
    {
        ["P-VOLUNTEER"] = 200, ["P-BLOOD-DONATION"] = 170, ["P-EPIDEMIC-VOLUNTEER"] = 60, ["P-EPIDEMIC-DONOR"] = 50, ["P-HONOUR"] = 45,
        ["P-CIVILISED-FAMILY"] = 40, ["P-EPIDEMIC-FRONTLINE"] = 30, ["P-MODEL-WORKER"] = 20, ["P-MORAL-MODEL-CITIZEN"] = 20,
        ["P-MARCH-8-RED-BANNER"] = 15, ["P-EPIDEMIC-SUPPORT-STAFF"] = 20, ["P-EPIDEMIC-COMMENDATION"] = 12, ["P-MORAL-MODEL-YOUTH"] = 8,
        ["P-INTEGRITY-STAR"] = 10, ["P-HEROIC-ACT"] = 4, ["P-MARROW-DONATION"] = 3, ["P-EPIDEMIC-AID-MEDIC"] = 5, ["P-EPIDEMIC-URGENT-PRODUCTION"] = 4,
        ["P-TRAFFIC-VIOLATION"] = 170, ["P-ARREARS-WATER"] = 40, ["P-ARREARS-POWER"] = 40, ["P-ARREARS-GAS"] = 30, ["P-ARREARS-HEAT"] = 30,
        ["P-ARREARS-CHINA-MOBILE"] = 30, ["P-ARREARS-CHINA-UNICOM"] = 20, ["P-CREDIT-DEFAULT"] = 20, ["P-TAX-ARREARS"] = 10,
        ["P-EXAM-CHEATING"] = 3, ["P-COURT-ENFORCEE"] = 10, ["P-COURT-DISHONEST-ENFORCEE"] = 5, ["P-CRIMINAL-JUDGEMENT"] = 2,
        ["P-EPIDEMIC-DISHONESTY"] = 3,
    };

    private static readonly string[] HonourLevels = ["区县级", "市级", "省级", "国家级"];
    private static readonly int[] HonourCumulative = SyntheticPeople.Cumulative([55, 30, 12, 3]);
    private static readonly string[] Roads = ["中原路", "建设路", "金水路", "农业路", "花园路", "文化路", "经三路", "紫荆山路", "大学路", "嵩山路", "航海路", "陇海路", "郑汴路", "商都路", "东风路", "北三环", "南三环", "中州大道", "京广路", "桐柏路"];
    private static readonly string[] Violations = ["机动车违反禁止标线指示", "机动车不按规定停放", "驾驶机动车违反道路交通信号灯通行", "机动车超速行驶（未达20%）", "驾驶时拨打接听手持电话", "不按规定使用安全带"];
    private static readonly string[] Causes = ["民间借贷纠纷", "买卖合同纠纷", "金融借款合同纠纷", "房屋租赁合同纠纷", "劳务合同纠纷", "机动车交通事故责任纠纷"];
    private static readonly string[] Matters = ["参与社区疫情防控值守", "参与核酸检测组织工作", "捐赠防疫物资", "驰援一线开展医疗救治", "保障防疫物资生产供应"];

    private readonly List<Category> _categories;
    private readonly int[] _cumulative;
    private readonly Dictionary<string, List<Category>> _sameAct;
    private readonly ScoreModel _model;
    private readonly DateOnly _today;

    public SyntheticRecords(CatalogDefinition catalog, ScoreModel model, DateOnly today)
    {
        _model = model;
        _today = today;
        _categories = [.. catalog.Categories.Where(c => c.SubjectKind == SubjectKind.Person && c.Polarity != Polarity.Neutral)];
        _cumulative = SyntheticPeople.Cumulative(_categories.Select(c => Weights.GetValueOrDefault(c.Code, 1)));
        _sameAct = _categories
            .Where(c => model.Find(c.Code) is { Scored: true })
            .GroupBy(c => model.Find(c.Code)!.SameActGroup, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }

    /// <summary>Share of records that come with a second report of the same act.</summary>
    public const int SameActPercent = 4;

    /// <summary>Adds about <paramref name="count"/> records of one person (a same-act report comes on top) to <paramref name="into"/>.</summary>
    public void Draw(Random random, int count, bool male, string personTag, List<SyntheticRecord> into)
    {
        for (var i = 0; i < count; i++)
        {
            var category = _categories[SyntheticPeople.Pick(_cumulative, random)];
            if (category.Code == "P-MARCH-8-RED-BANNER" && male)
            {
                category = _categories.Find(c => c.Code == "P-VOLUNTEER") ?? category;
            }

            var record = Make(category, category.ResponsibleUnits[random.Next(category.ResponsibleUnits.Count)], random, male, personTag, i);
            into.Add(record);
            if (random.Next(100) < SameActPercent && SecondReport(record, random, male) is { } second)
            {
                into.Add(second);
            }
        }
    }

    /// <summary>The same act reported once more: by another unit of the category, or under another category of its same-act group.</summary>
    private SyntheticRecord? SecondReport(SyntheticRecord first, Random random, bool male)
    {
        var rule = _model.Find(first.Category.Code);
        if (rule is null || !_sameAct.TryGetValue(rule.SameActGroup, out var group))
        {
            return null;
        }

        var options = new List<(Category Category, string Unit)>();
        foreach (var category in group)
        {
            foreach (var unit in category.ResponsibleUnits)
            {
                if (category != first.Category || unit != first.UnitCode)
                {
                    options.Add((category, unit));
                }
            }
        }

        if (options.Count == 0)
        {
            return null;
        }

        var (other, otherUnit) = options[random.Next(options.Count)];
        var second = Make(other, otherUnit, random, male, "dup", 0, first.ActDate);
        if (rule.ActKeyField is { } keyField && first.Fields.TryGetValue(keyField, out var key) && other.FindField(keyField) is not null)
        {
            second.Fields[keyField] = key;
        }

        return second;
    }

    private SyntheticRecord Make(Category category, string unit, Random random, bool male, string personTag, int ordinal, DateOnly? sameActDate = null)
    {
        var good = category.Polarity == Polarity.Good;
        // Good records of the last four years (some already past the three years they count); bad ones
        // mostly recent, a few old enough to have left their publication period or the five-year limit.
        var act = sameActDate ?? (good
            ? _today.AddDays(-random.Next(1, 4 * 365))
            : random.Next(100) < 85 ? _today.AddDays(-random.Next(1, 2 * 365)) : _today.AddDays(-random.Next(2 * 365, 6 * 365)));
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        DateOnly? from = null;
        foreach (var field in category.Fields)
        {
            if (field.Code == category.SubjectNameField || field.Code == category.SubjectIdTypeField || field.Code == category.SubjectIdField)
            {
                continue;
            }

            if (!field.Required && random.Next(100) < 60)
            {
                continue;
            }

            object? value;
            switch (field.Type)
            {
                case FieldType.Date:
                    DateOnly date;
                    if (field.Code == category.ActDateField)
                    {
                        date = act;
                    }
                    else if (field.Code.EndsWith("_from", StringComparison.Ordinal))
                    {
                        date = act.AddDays(-random.Next(40, 500));
                        from = date;
                    }
                    else if (field.Code.EndsWith("_to", StringComparison.Ordinal))
                    {
                        var start = from ?? act.AddDays(-60);
                        date = act.AddDays(-random.Next(1, 10));
                        date = date < start ? start : date;
                    }
                    else if (field.Code.EndsWith("_until", StringComparison.Ordinal))
                    {
                        date = act.AddDays(random.Next(180, 3 * 365));
                    }
                    else
                    {
                        date = act;
                    }

                    value = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    break;
                case FieldType.DateTime:
                    value = act.ToDateTime(new TimeOnly(random.Next(7, 22), random.Next(0, 60), 0)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                    break;
                case FieldType.Integer:
                    value = field.Code switch
                    {
                        "donation_count" => (long)Math.Min(30, 1 + (int)(-Math.Log(1 - random.NextDouble()) * 3)),
                        "penalty_points" => (long)new[] { 0, 1, 1, 3, 3, 3, 6, 9, 12 }[random.Next(9)],
                        _ => (long)random.Next(1, 10),
                    };
                    break;
                case FieldType.Decimal:
                    value = random.Next(5, 2000) / 10m;
                    break;
                case FieldType.Money:
                    value = Money(field.Code, category.Code, random);
                    break;
                case FieldType.Enum:
                    value = field.Code switch
                    {
                        "gender" when field.AllowedValues.Contains("男") => male ? "男" : "女",
                        "honour_level" when field.AllowedValues.SequenceEqual(HonourLevels) => HonourLevels[SyntheticPeople.Pick(HonourCumulative, random)],
                        _ => field.AllowedValues[random.Next(100) < 60 ? 0 : random.Next(field.AllowedValues.Count)],
                    };
                    break;
                case FieldType.Address:
                    var area = SyntheticPeople.Areas[random.Next(12)];
                    value = string.Create(CultureInfo.InvariantCulture, $"{(area.Place.StartsWith("郑州市", StringComparison.Ordinal) ? "" : "郑州市")}{area.Place}{Roads[random.Next(Roads.Length)]}{random.Next(1, 300)}号{random.Next(1, 30)}号楼{random.Next(1, 6)}单元{random.Next(1, 33)}{random.Next(1, 5):00}");
                    break;
                case FieldType.PlateNumber:
                    value = "豫A" + (char)('A' + random.Next(26)) + random.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);
                    break;
                case FieldType.Name:
                    value = SyntheticPeople.Name(random, random.Next(2) == 0);
                    break;
                case FieldType.Uscc:
                    value = null; // optional everywhere it occurs in person categories
                    break;
                default:
                    value = Text(field, category, unit, act, random, personTag, ordinal);
                    break;
            }

            if (value is not null)
            {
                fields[field.Code] = value;
            }
        }

        // Most records are in force; a few bad ones were repaired, a few records withdrawn, a few disputed.
        var roll = random.Next(1000);
        var status = !good && roll < 20 ? "Repaired" : roll >= 995 ? "Withdrawn" : "InForce";
        return new SyntheticRecord(category, unit, act, fields, status, status == "InForce" && roll is >= 990 and < 993);
    }

    private static decimal Money(string field, string category, Random random)
    {
        var yuan = (field, category) switch
        {
            ("arrears_amount", _) => random.Next(100) < 70 ? random.Next(2000, 50_000) : random.Next(50_000, 800_000),
            ("default_amount", _) => random.Next(100_000, 20_000_000),
            ("arrears_balance", _) => random.Next(50_000, 5_000_000),
            ("enforcement_amount", _) => random.Next(500_000, 50_000_000),
            ("donation_amount", _) => random.Next(5_000, 500_000),
            _ => random.Next(1_000, 1_000_000),
        };
        return yuan / 100m;
    }

    private static string Text(FieldDefinition field, Category category, string unit, DateOnly act, Random random, string personTag, int ordinal)
    {
        var text = field.Code switch
        {
            "case_number" => string.Create(CultureInfo.InvariantCulture, $"({act.Year})豫01执{random.Next(1, 9999)}号"),
            "cause_of_action" => Causes[random.Next(Causes.Length)],
            "enforcing_court" => "郑州市中级人民法院",
            "violation" => Violations[random.Next(Violations.Length)],
            "violation_place" => "郑州市" + Roads[random.Next(Roads.Length)] + "与" + Roads[random.Next(Roads.Length)] + "交叉口",
            "penalty_result" => string.Create(CultureInfo.InvariantCulture, $"罚款{random.Next(1, 5) * 50}元"),
            "matter" => Matters[random.Next(Matters.Length)],
            "tax_type" => random.Next(2) == 0 ? "个人所得税" : "房产税",
            "donation_place" => "郑州市中心血站" + (random.Next(2) == 0 ? "" : "二七广场献血屋"),
            "honour_name" => "郑州市优秀共产党员",
            "remarks" => "已电话催缴",
            "handling_result" => "取消本次考试成绩",
            "enterprise_name" => "郑州某某防护用品有限公司",
            _ when field.Code.EndsWith("body", StringComparison.Ordinal) || field.Code.EndsWith("authority", StringComparison.Ordinal) => UnitName(unit),
            _ => string.Create(CultureInfo.InvariantCulture, $"{category.NameZh}（{personTag}-{ordinal}）"),
        };
        return field.MaxLength is { } max && text.Length > max ? text[..max] : text;
    }

    private static string UnitName(string unit) => unit switch
    {
        "WATER-SUPPLY" => "郑州自来水投资控股有限公司",
        "POWER-SUPPLY" => "国网郑州供电公司",
        "CR-GAS" => "郑州华润燃气股份有限公司",
        "HEATING" => "郑州热力集团有限公司",
        "CHINA-MOBILE-ZZ" => "中国移动郑州分公司",
        "CHINA-UNICOM-ZZ" => "中国联通郑州市分公司",
        "CIVILISATION-OFFICE" => "郑州市文明办",
        "HEALTH-COMMISSION" => "郑州市卫生健康委员会",
        "TAX-BUREAU" => "国家税务总局郑州市税务局",
        "EDUCATION-BUREAU" => "郑州市教育局",
        "PUBLIC-SECURITY" => "郑州市公安局",
        "TRADE-UNION" => "郑州市总工会",
        "WOMENS-FEDERATION" => "郑州市妇女联合会",
        _ => "郑州市人民政府有关部门",
    };
}
