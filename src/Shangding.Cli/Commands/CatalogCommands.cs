using System.CommandLine;
using Shangding.Core.Catalog;

namespace Shangding.Cli.Commands;

internal static class CatalogCommands
{
    public static Command Build(CliContext cli)
    {
        var json = CommandHelpers.JsonOption();
        var kind = new Option<SubjectKind?>("--kind") { Description = "Only categories about Person or Organisation subjects" };
        var list = new Command("list", "List the categories of the credit information catalogue") { json, kind };
        list.SetAction(async parse =>
        {
            var catalog = cli.Get<CatalogDefinition>();
            var selected = catalog.Categories.Where(c => parse.GetValue(kind) is not { } k || c.SubjectKind == k).ToList();
            if (parse.GetValue(json))
            {
                cli.WriteJson(new { catalog.Version, count = selected.Count, categories = selected.Select(c => View(c, catalog)) });
                return 0;
            }

            await cli.Out.WriteLineAsync($"Catalogue {catalog.Version}: {selected.Count} categories");
            foreach (var c in selected)
            {
                await cli.Out.WriteLineAsync(
                    $"{c.Code,-28} {c.Polarity,-7} {c.InfoClass} {c.SubjectKind,-12} {c.NameZh}  ({string.Join("、", c.ResponsibleUnits.Select(u => catalog.FindUnit(u)?.NameZh ?? u))}; {c.Fields.Count} fields)");
            }

            return 0;
        });

        var showJson = CommandHelpers.JsonOption();
        var code = new Argument<string>("code") { Description = "Category code, e.g. P-VOLUNTEER" };
        var show = new Command("show", "Show one category with its fields") { code, showJson };
        show.SetAction(async parse =>
        {
            var catalog = cli.Get<CatalogDefinition>();
            var wanted = parse.GetValue(code) ?? "";
            var category = catalog.Find(wanted)
                ?? catalog.Categories.FirstOrDefault(c => string.Equals(c.Code, wanted, StringComparison.OrdinalIgnoreCase))
                ?? throw new CliException($"No category with code '{wanted}'. `catalog list` shows them all. / 没有编码为 {wanted} 的信息类别。");
            if (parse.GetValue(showJson))
            {
                cli.WriteJson(View(category, catalog));
                return 0;
            }

            await cli.Out.WriteLineAsync($"{category.Code}  {category.NameZh} / {category.NameEn}");
            await cli.Out.WriteLineAsync($"  polarity {category.Polarity}; class {category.InfoClass}; subject {category.SubjectKind}; " +
                $"dimension {category.Dimension?.ToString() ?? "-"}; severity {category.Severity?.ToString() ?? "-"}; cycle {category.CollectionCycle}");
            await cli.Out.WriteLineAsync($"  units: {string.Join(", ", category.ResponsibleUnits.Select(u => $"{u} {catalog.FindUnit(u)?.NameZh}"))}");
            await cli.Out.WriteLineAsync($"  source: {category.Source}");
            foreach (var f in category.Fields)
            {
                var allowed = f.AllowedValues.Count > 0 ? $" [{string.Join(" | ", f.AllowedValues)}]" : "";
                await cli.Out.WriteLineAsync($"  - {f.Code,-24} {f.Type,-11} {(f.Required ? "required" : "optional"),-8} {f.NameZh} / {f.NameEn}{allowed}");
            }

            return 0;
        });

        return new Command("catalog", "The credit information catalogue (信用信息目录)") { list, show };
    }

    private static object View(Category c, CatalogDefinition catalog) => new
    {
        c.Code,
        c.NameZh,
        c.NameEn,
        c.Polarity,
        c.Dimension,
        c.InfoClass,
        c.Severity,
        c.SubjectKind,
        responsibleUnits = c.ResponsibleUnits.Select(u => new { code = u, nameZh = catalog.FindUnit(u)?.NameZh, nameEn = catalog.FindUnit(u)?.NameEn }),
        c.CollectionCycle,
        c.IsLicenceOrPenalty,
        fields = c.Fields.Select(f => new { f.Code, f.NameZh, f.NameEn, f.Type, f.Required, f.AllowedValues, f.MaxLength }),
        c.Source,
    };
}
