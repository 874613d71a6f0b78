using Microsoft.AspNetCore.Http.HttpResults;
using Shangding.Core.Catalog;

namespace Shangding.Web.Api;

public sealed record FieldDto(string Code, string NameZh, string NameEn, string Type, bool Required, IReadOnlyList<string> AllowedValues, int? MaxLength);

public sealed record UnitDto(string Code, string NameZh, string NameEn);

public sealed record CategoryDto(
    string Code,
    string NameZh,
    string NameEn,
    string Polarity,
    string? Dimension,
    string InfoClass,
    string? Severity,
    string SubjectKind,
    IReadOnlyList<UnitDto> ResponsibleUnits,
    string CollectionCycle,
    bool IsLicenceOrPenalty,
    IReadOnlyList<FieldDto> Fields,
    string Source);

public sealed record CatalogDto(string Version, int Count, IReadOnlyList<CategoryDto> Categories);

/// <summary>The public catalogue: what the platform collects, from whom, and with which fields (SPEC §3).</summary>
public static class CatalogEndpoints
{
    public static void MapCatalogEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/catalog").WithTags("Catalogue");
        group.MapGet("/", List)
            .WithName("ListCatalog")
            .WithSummary("Every category of the credit information catalogue, optionally filtered.")
            .WithDescription("Filters: subjectKind (Person|Organisation), polarity (Good|Bad|Neutral), unit (a reporting unit code).");
        group.MapGet("/{code}", Get)
            .WithName("GetCatalogCategory")
            .WithSummary("One category with its fields, responsible units and classification.");
        group.MapGet("/{code}/template.xlsx", Template)
            .WithName("GetCategoryTemplate")
            .WithSummary("The Excel template of a category for batch upload: Chinese titles, field codes, dropdowns, date cells, instructions.")
            .Produces(StatusCodes.Status200OK, contentType: XlsxContentType);
    }

    public static Ok<CatalogDto> List(CatalogDefinition catalog, string? subjectKind = null, string? polarity = null, string? unit = null)
    {
        IEnumerable<Category> categories = catalog.Categories;
        if (Enum.TryParse<SubjectKind>(subjectKind, ignoreCase: true, out var kind))
        {
            categories = categories.Where(c => c.SubjectKind == kind);
        }

        if (Enum.TryParse<Polarity>(polarity, ignoreCase: true, out var pol))
        {
            categories = categories.Where(c => c.Polarity == pol);
        }

        if (!string.IsNullOrWhiteSpace(unit))
        {
            categories = categories.Where(c => c.ResponsibleUnits.Contains(unit, StringComparer.OrdinalIgnoreCase));
        }

        var list = categories.Select(c => ToDto(c, catalog)).ToList();
        return TypedResults.Ok(new CatalogDto(catalog.Version, list.Count, list));
    }

    public static Results<Ok<CategoryDto>, ProblemHttpResult> Get(string code, CatalogDefinition catalog)
    {
        var category = catalog.Find(code) ?? catalog.Categories.FirstOrDefault(c => string.Equals(c.Code, code, StringComparison.OrdinalIgnoreCase));
        if (category is null)
        {
            return TypedResults.Problem(
                title: "Unknown category / 未知的信息类别",
                detail: $"没有编码为 {code} 的信息类别；GET /api/v1/catalog 列出全部类别。 There is no category with code {code}; GET /api/v1/catalog lists them all.",
                statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Ok(ToDto(category, catalog));
    }

    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static Results<FileContentHttpResult, ProblemHttpResult> Template(string code, CatalogDefinition catalog)
    {
        if (catalog.Find(code) is not { } category)
        {
            return Get(code, catalog).Result as ProblemHttpResult ?? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound);
        }

        using var buffer = new MemoryStream();
        Shangding.Core.Intake.Files.TemplateWriter.Write(category, catalog, buffer);
        return TypedResults.File(buffer.ToArray(), XlsxContentType, $"{category.Code}-{category.NameZh}-模板.xlsx");
    }

    public static CategoryDto ToDto(Category c, CatalogDefinition catalog) => new(
        c.Code,
        c.NameZh,
        c.NameEn,
        c.Polarity.ToString(),
        c.Dimension?.ToString(),
        c.InfoClass.ToString(),
        c.Severity?.ToString(),
        c.SubjectKind.ToString(),
        c.ResponsibleUnits.Select(code => catalog.FindUnit(code) is { } u ? new UnitDto(u.Code, u.NameZh, u.NameEn) : new UnitDto(code, code, code)).ToList(),
        c.CollectionCycle,
        c.IsLicenceOrPenalty,
        c.Fields.Select(f => new FieldDto(f.Code, f.NameZh, f.NameEn, f.Type.ToString(), f.Required, f.AllowedValues, f.MaxLength)).ToList(),
        c.Source);
}
