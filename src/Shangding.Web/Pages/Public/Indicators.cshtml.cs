using System.Globalization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Core.Scoring;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Public;

/// <summary>
/// The published indicator system (指标体系, 001 §6(2), 003 §17) rendered from the active score model —
/// the same model file the engine runs and docs/MODEL.md is generated from (<see cref="IndicatorSystem"/>).
/// </summary>
public sealed class IndicatorsModel(ScoreService scores, CatalogDefinition catalog) : PageModel
{
    public ScoreModel Model { get; private set; } = null!;
    public CatalogDefinition Catalog => catalog;

    public void OnGet() => Model = scores.Model;

    public static string WithSign(int points) => points.ToString("+0;-0;0", CultureInfo.InvariantCulture);

    public static string Number(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Minor => UiText.Pick("轻微", "minor"),
        Severity.General => UiText.Pick("一般", "general"),
        _ => UiText.Pick("严重", "serious"),
    };

    /// <summary>The points of a rule in words, in the page's language.</summary>
    public static IEnumerable<string> Points(CategoryRule rule)
    {
        if (rule.BasePointsFromSeverity)
        {
            yield return $"{WithSign(rule.BasePoints)} ({SeverityName(rule.Severity ?? Severity.General)})";
        }
        else if (rule.BasePoints != 0 || rule.Grades.Count == 0)
        {
            yield return UiText.Pick("每条 ", "each ") + WithSign(rule.BasePoints);
        }

        foreach (var grade in rule.Grades)
        {
            yield return grade switch
            {
                LevelGrade level => UiText.Pick($"按{level.FieldZh}：", $"by {level.FieldEn}: ") + string.Join(" · ", level.Points.Select(p => $"{ValueName(p.Key)} {WithSign(p.Value)}")),
                BandGrade band => UiText.Pick($"按{band.FieldZh}：", $"by {band.FieldEn}: ") + Bands(band.Bands, ""),
                DaysGrade days => UiText.Pick($"按{days.FromZh}至{days.ToZh}的天数：", "by the number of days: ") + Bands(days.Bands, UiText.Pick(" 天", " days")),
                _ => grade.ToString(),
            };
        }
    }

    /// <summary>Honour levels in English (the catalogue's values are Chinese).</summary>
    private static string ValueName(string value) => UiText.IsEnglish()
        ? value switch { "区县级" => "district", "市级" => "city", "省级" => "province", "国家级" => "national", _ => value }
        : value;

    private static string Bands(IReadOnlyList<Band> bands, string unit) =>
        string.Join(" · ", bands.Select(b => (b.To is { } to ? $"{Number(b.From)}–<{Number(to)}{unit}" : $"≥{Number(b.From)}{unit}") + " " + WithSign(b.Points)));

    public string Period(CategoryRule rule) => rule.Polarity == Polarity.Good
        ? UiText.Pick($"{rule.GoodYears} 年", $"{rule.GoodYears} years")
        : UiText.Pick($"{Model.PublicationMonths[rule.Severity ?? Severity.General]} 个月（{SeverityName(rule.Severity ?? Severity.General)}）",
            $"{Model.PublicationMonths[rule.Severity ?? Severity.General]} months ({SeverityName(rule.Severity ?? Severity.General)})");

    public string CategoryName(CategoryRule rule) => UiText.Pick(rule.NameZh, rule.NameEn);
}
