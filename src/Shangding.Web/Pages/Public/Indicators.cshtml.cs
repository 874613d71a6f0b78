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
public sealed class IndicatorsModel(ScoreService scores, CatalogDefinition catalog, UiText text) : PageModel
{
    public ScoreModel Model { get; private set; } = null!;
    public CatalogDefinition Catalog => catalog;

    public void OnGet() => Model = scores.Model;

    public static string WithSign(int points) => points.ToString("+0;-0;0", CultureInfo.InvariantCulture);

    public static string Number(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public string SeverityName(Severity severity) => text["portal.severity." + severity];

    public string Months(int months) => text.Format("portal.rem.months", months);

    /// <summary>The list separator of the page's language.</summary>
    public string Comma => text["portal.ind.comma"];

    /// <summary>The points of a rule in words, in the page's language.</summary>
    public IEnumerable<string> Points(CategoryRule rule)
    {
        if (rule.BasePointsFromSeverity)
        {
            yield return $"{WithSign(rule.BasePoints)} ({SeverityName(rule.Severity ?? Severity.General)})";
        }
        else if (rule.BasePoints != 0 || rule.Grades.Count == 0)
        {
            yield return text.Format("portal.ind.each", WithSign(rule.BasePoints));
        }

        foreach (var grade in rule.Grades)
        {
            yield return grade switch
            {
                LevelGrade level => text.Format("portal.ind.byField", UiText.Pick(level.FieldZh, level.FieldEn)) + string.Join(" · ", level.Points.Select(p => $"{ValueName(p.Key)} {WithSign(p.Value)}")),
                BandGrade band => text.Format("portal.ind.byField", UiText.Pick(band.FieldZh, band.FieldEn)) + Bands(band.Bands, ""),
                DaysGrade days => text.Format("portal.ind.byDays", FieldName(rule, days.FromField, days.FromZh), FieldName(rule, days.ToField, days.ToZh)) + Bands(days.Bands, text["portal.ind.days"]),
                _ => grade.ToString(),
            };
        }
    }

    private string FieldName(CategoryRule rule, string code, string fallback) =>
        catalog.Find(rule.CategoryCode)?.FindField(code) is { } field ? UiText.Pick(field.NameZh, field.NameEn) : fallback;

    /// <summary>Honour levels by name in the page's language (the catalogue's values are Chinese).</summary>
    private string ValueName(string value) => value switch
    {
        "区县级" => text["portal.honour.district"],
        "市级" => text["portal.honour.city"],
        "省级" => text["portal.honour.province"],
        "国家级" => text["portal.honour.national"],
        _ => value,
    };

    private static string Bands(IReadOnlyList<Band> bands, string unit) =>
        string.Join(" · ", bands.Select(b => (b.To is { } to ? $"{Number(b.From)}–<{Number(to)}{unit}" : $"≥{Number(b.From)}{unit}") + " " + WithSign(b.Points)));

    public string Period(CategoryRule rule) => rule.Polarity == Polarity.Good
        ? text.Format("portal.ind.years", rule.GoodYears)
        : $"{Months(Model.PublicationMonths[rule.Severity ?? Severity.General])} ({SeverityName(rule.Severity ?? Severity.General)})";

    public string CategoryName(CategoryRule rule) => UiText.Pick(rule.NameZh, rule.NameEn);
}
