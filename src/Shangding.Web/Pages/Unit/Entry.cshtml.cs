using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Unit;

/// <summary>Single entry (逐条录入): a form generated from the catalogue, through the same intake pipeline.</summary>
public sealed class EntryModel(CatalogDefinition catalog, IntakeService intake, UiText text, TimeProvider clock, ShangdingDbContext db) : PageModel
{
    public Category? Category { get; private set; }
    public IReadOnlyList<FieldDefinition> Columns { get; private set; } = [];
    public Dictionary<string, string?> Values { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);
    public List<string> GeneralErrors { get; } = [];
    public string? Outcome { get; private set; }
    public long BatchId { get; private set; }

    /// <summary>The record the entry stored, updated or withdrew, for the link to its page.</summary>
    public long? RecordId { get; private set; }

    public IActionResult OnGet(string code)
    {
        if (!Load(code))
        {
            return NotFound();
        }

        Values[IntakeColumns.RecordKey] = NewRecordKey();
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
            var withdrawal = Values.GetValueOrDefault(IntakeColumns.Action)?.Trim() == IntakeColumns.WithdrawValue;
            var outcome = withdrawal && record.Outcome == RecordOutcome.Unchanged ? "AlreadyWithdrawn" : record.Outcome.ToString();
            Outcome = text["entry.outcome." + outcome] + (record.NameConflict ? " " + text["entry.nameConflict"] : "");
            var key = record.RecordKey;
            RecordId = await db.Records.AsNoTracking().Where(r => r.UnitCode == unit && r.RecordKey == key).Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken);
            Values.Clear();
            Values[IntakeColumns.RecordKey] = NewRecordKey();
        }

        return Page();
    }

    /// <summary>Letters and digits that cannot be mistaken for one another when read aloud or typed again.</summary>
    private const string KeyAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    /// <summary>
    /// A suggested key for a new record: the minute it was typed and five random characters (31^5, about 29 million), so
    /// two clerks who open the form in the same second do not get the same key — which would make the second entry update
    /// the first one's record (or, for another person, be refused).
    /// </summary>
    private string NewRecordKey()
    {
        Span<char> random = stackalloc char[5];
        for (var i = 0; i < random.Length; i++)
        {
            random[i] = KeyAlphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(KeyAlphabet.Length)];
        }

        return string.Create(CultureInfo.InvariantCulture, $"FORM-{Shangding.Web.Portal.ChinaTime.Of(clock.GetUtcNow().UtcDateTime):yyyyMMdd-HHmm}-{random}");
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
