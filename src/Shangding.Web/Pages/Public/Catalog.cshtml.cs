using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;

namespace Shangding.Web.Pages.Public;

public sealed class CatalogModel(CatalogDefinition catalog) : PageModel
{
    public CatalogDefinition Catalog => catalog;

    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Polarity { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Unit { get; set; }

    public IReadOnlyList<Category> Categories { get; private set; } = [];

    public void OnGet()
    {
        IEnumerable<Category> categories = catalog.Categories;
        if (Enum.TryParse<SubjectKind>(Kind, out var kind))
        {
            categories = categories.Where(c => c.SubjectKind == kind);
        }

        if (Enum.TryParse<Polarity>(Polarity, out var polarity))
        {
            categories = categories.Where(c => c.Polarity == polarity);
        }

        if (!string.IsNullOrEmpty(Unit))
        {
            categories = categories.Where(c => c.ResponsibleUnits.Contains(Unit, StringComparer.Ordinal));
        }

        Categories = categories.ToList();
    }
}
