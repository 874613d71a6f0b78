using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Core.Intake;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Unit;

/// <summary>Single entry (逐条录入): a form generated from the catalogue, through the same intake pipeline.</summary>
public sealed class EntryModel(CatalogDefinition catalog, IntakeService intake, UiText text, TimeProvider clock) : PageModel
{
    public Category? Category { get; private set; }
    public IReadOnlyList<FieldDefinition> Columns { get; private set; } = [];
    public Dictionary<string, string?> Values { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);
    public List<string> GeneralErrors { get; } = [];
    public string? Outcome { get; private set; }
    public long BatchId { get; private set; }

    public IActionResult OnGet(string code)
    {
        if (!Load(code))
        {
            return NotFound();
        }

        Values[IntakeColumns.RecordKey] = string.Create(CultureInfo.InvariantCulture, $"FORM-{Shangding.Web.Portal.ChinaTime.Of(clock.GetUtcNow().UtcDateTime):yyyyMMddHHmmss}");
        if (Columns.FirstOrDefault(c => c.Type == FieldType.IdType) is { AllowedValues.Count: > 0 } idType)
        {
            // Most records are about holders of a resident ID card.
            Values[idType.Code] = idType.AllowedValues[0];
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string code, CancellationToken cancellationToken)
    {
        if (!Load(code))
        {
            return NotFound();
        }

        foreach (var column in Columns)
        {
            Values[column.Code] = Request.Form[column.Code].ToString();
        }

        var unit = User.FindFirstValue(Policies.UnitClaim)!;
        var row = new IntakeRow(1, null, Values, Columns.Select(c => Values[c.Code]).ToArray());
        var request = new IntakeRequest(unit, IntakeChannels.Form, $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}", Category!.Code, ReturnRecordResults: true);
        var result = await intake.RunAsync(request, [row], null, cancellationToken);
        BatchId = result.BatchId;
        var english = UiText.IsEnglish();
        GeneralErrors.AddRange(result.Refusals.Select(r => r.Message(english)));
        var record = result.Records.Count > 0 ? result.Records[0] : null;
        if (record is { Outcome: RecordOutcome.Rejected })
        {
            foreach (var reason in record.Reasons)
            {
                if (reason.Field is not null && Columns.Any(c => c.Code == reason.Field) && !FieldErrors.ContainsKey(reason.Field))
                {
                    FieldErrors[reason.Field] = reason.Message(english);
                }
                else
                {
                    GeneralErrors.Add(reason.Message(english));
                }
            }
        }
        else if (record is not null)
        {
            Outcome = text["entry.outcome." + record.Outcome] + (record.NameConflict ? " " + text["entry.nameConflict"] : "");
            Values.Clear();
            Values[IntakeColumns.RecordKey] = string.Create(CultureInfo.InvariantCulture, $"FORM-{Shangding.Web.Portal.ChinaTime.Of(clock.GetUtcNow().UtcDateTime):yyyyMMddHHmmss}");
        }

        return Page();
    }

    private bool Load(string code)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim);
        Category = catalog.Find(code);
        if (Category is null || unit is null || !Category.ResponsibleUnits.Contains(unit, StringComparer.Ordinal))
        {
            return false;
        }

        Columns = IntakeColumns.For(Category);
        return true;
    }
}
