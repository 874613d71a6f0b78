using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Access;

namespace Shangding.Web.Pages.Public;

/// <summary>The benefits catalogue (001 §五, 004 §四.1): public, no subject data.</summary>
public sealed class BenefitsModel(BenefitCatalog benefits) : PageModel
{
    public BenefitCatalog Benefits => benefits;

    public void OnGet()
    {
    }
}
