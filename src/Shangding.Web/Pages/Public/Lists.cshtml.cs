using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Public;

/// <summary>
/// Public lists (A-class only): severe-dishonesty disclosures within their publication period, and the
/// organisation red and black lists; search by name AND full identifier (POST), rate-limited, masked.
/// </summary>
public sealed class ListsModel(ShangdingDbContext db, PublicInformation information, CreditQueries queries, UiText text) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string List { get; set; } = PublicLists.Severe;

    /// <summary>The page of the list, from <c>?p=</c> (Razor Pages reserves <c>page</c> for the page's own route value).</summary>
    [BindProperty(SupportsGet = true, Name = PageParameter)]
    public int PageNumber { get; set; } = 1;

    public const string PageParameter = "p";

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Identifier { get; set; }

    public PublicPage? Current { get; private set; }
    public IReadOnlyList<PublicEntry>? Found { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        List = PublicLists.All.Contains(List) ? List : PublicLists.Severe;
        Current = await information.ListAsync(db, List, PageNumber, cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        List = PublicLists.All.Contains(List) ? List : PublicLists.Severe;
        // Each missing half of the search beside its own field, in the page's language.
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(Name))
        {
            ModelState.AddModelError(nameof(Name), text["fields.lists.nameRequired"]);
        }

        if (string.IsNullOrWhiteSpace(Identifier))
        {
            ModelState.AddModelError(nameof(Identifier), text["fields.lists.identifierRequired"]);
        }

        if (ModelState.IsValid)
        {
            Found = await information.SearchAsync(db, queries, Name, Identifier, cancellationToken);
        }

        Identifier = null;
        Current = await information.ListAsync(db, List, 1, cancellationToken);
        return Page();
    }
}
