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

    [BindProperty(SupportsGet = true, Name = "page")]
    public int PageNumber { get; set; } = 1;

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Identifier { get; set; }

    public PublicPage? Current { get; private set; }
    public IReadOnlyList<PublicEntry>? Found { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        List = PublicLists.All.Contains(List) ? List : PublicLists.Severe;
        Current = await information.ListAsync(db, List, PageNumber, cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        List = PublicLists.All.Contains(List) ? List : PublicLists.Severe;
        if (string.IsNullOrWhiteSpace(Name) || string.IsNullOrWhiteSpace(Identifier))
        {
            Error = text["access.lists.both"];
        }
        else
        {
            Found = await information.SearchAsync(db, queries, Name, Identifier, cancellationToken);
        }

        Identifier = null;
        Current = await information.ListAsync(db, List, 1, cancellationToken);
        return Page();
    }
}
