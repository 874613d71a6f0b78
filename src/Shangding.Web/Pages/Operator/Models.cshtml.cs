using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Operator;

/// <summary>Score models: simulate a draft over everyone who opted in, then activate it (audited) — 001 §6(2).</summary>
public sealed class ModelsModel(ScoreModelRegistry registry, ShangdingDbContext db, DatabaseSettings settings, TimeProvider clock, UiText text) : PageModel
{
    public IReadOnlyList<ScoreModel> Models => [.. registry.Models.OrderByDescending(m => m.Version, StringComparer.Ordinal)];
    public string Active => registry.Active.Version;
    public IReadOnlyList<LevelDefinition> Levels => registry.Active.Levels;
    public SimulationReport? Report { get; private set; }
    public string? Message { get; private set; }

    [BindProperty]
    public string? Version { get; set; }

    [BindProperty]
    public string? Note { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostSimulateAsync(CancellationToken cancellationToken)
    {
        if (registry.Find(Version ?? "") is not { } draft)
        {
            return NotFound();
        }

        Report = await Simulation.RunAsync(settings, registry.Active, draft, Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow()), null, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostActivateAsync(CancellationToken cancellationToken)
    {
        if (registry.Find(Version ?? "") is null)
        {
            return NotFound();
        }

        await registry.ActivateAsync(db, Version!, $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}", string.IsNullOrWhiteSpace(Note) ? null : Note.Trim(), cancellationToken);
        Message = text.Format("models.activated", Version!);
        return Page();
    }
}
