using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;

namespace Shangding.Web.Pages.Public;

public sealed class CategoryModel(CatalogDefinition catalog) : PageModel
{
    public CatalogDefinition Catalog => catalog;

    public Category? Category { get; private set; }

    public IActionResult OnGet(string code)
    {
        Category = catalog.Find(code);
        return Category is null ? NotFound() : Page();
    }
}
