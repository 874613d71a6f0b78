using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Scoring;

namespace Shangding.Web.Pages.Public;

/// <summary>How to dispute a record and how to repair credit (003 §22–24, 002 §7, SPEC §8–10); periods from the active model.</summary>
public sealed class RemediesModel(ScoreService scores) : PageModel
{
    public ScoreModel Model => scores.Model;

    public void OnGet()
    {
    }
}
