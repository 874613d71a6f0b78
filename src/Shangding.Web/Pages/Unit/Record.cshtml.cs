using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Notifications;
using Shangding.Core.Remedies;
using Shangding.Core.Subjects;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Unit;

/// <summary>
/// One of the unit's records: its fields, its history (who changed it, when, through which channel, why), and the unit's
/// own corrections (003 §11): correct its fields, withdraw it with a reason, or restore a record the unit withdrew. Every
/// change goes through the one intake pipeline as a one-row batch of the form channel, with the clerk's reason kept on the
/// batch. The subject's identity is not editable: the record stays about the same person (a record key cannot move to
/// another person), and the ID number is never put on the page.
/// </summary>
public sealed class RecordModel(CatalogDefinition catalog, ShangdingDbContext db, IntakeService intake, IdentityProtector protector,
    CreditQueries queries, ActorResolver actors, UiText text, TimeProvider clock, NotificationService notifications) : PageModel
{
    public const int NoteMaxLength = 200;

    public sealed record HistoryEntry(RecordChange Entry, string Who, string? Note);

    /// <summary>A change the unit makes on this page: the outcome the pipeline gives it, the page's message, and its verb in the messages sent.</summary>
    private sealed record Change(RecordOutcome Outcome, string DoneKey, string Zh, string EnPast, string EnParticiple)
    {
        public static readonly Change Corrected = new(RecordOutcome.Updated, "unitRecord.done.corrected", "更正", "corrected", "corrected");
        public static readonly Change Withdrawn = new(RecordOutcome.Withdrawn, "unitRecord.done.withdrawn", "撤回", "withdrew", "withdrawn");
        public static readonly Change Restored = new(RecordOutcome.Updated, "unitRecord.done.restored", "恢复", "restored", "restored");
    }

    public CreditRecord? Record { get; private set; }
    /// <summary>The record's category in the catalogue (null for a category no longer in it).</summary>
    public Category? Category { get; private set; }

    /// <summary>Whether the unit still furnishes the record's category: only then can it change the record (the pipeline would refuse).</summary>
    public bool Furnishes { get; private set; }
    public string SubjectName { get; private set; } = "";
    public string SubjectMasked { get; private set; } = "";

    /// <summary>The fields shown and corrected: the category's, without the subject's identity.</summary>
    public IReadOnlyList<FieldDefinition> Editable { get; private set; } = [];

    /// <summary>The record's values as stored; on a failed correction, the values the clerk typed.</summary>
    public Dictionary<string, string?> Values { get; private set; } = new(StringComparer.Ordinal);

    public Dictionary<string, string?> Stored { get; private set; } = new(StringComparer.Ordinal);
    public IReadOnlyList<HistoryEntry> History { get; private set; } = [];
    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);
    public List<string> GeneralErrors { get; } = [];

    /// <summary>Which form the errors belong to: correct, withdraw or restore.</summary>
    public string? FailedForm { get; private set; }

    [BindProperty]
    public string? Note { get; set; }

    [BindProperty]
    public bool Confirm { get; set; }

    /// <summary>
    /// The version the clerk's form was made from: a change made since (a colleague, an API batch) is not overwritten. Compared
    /// first with the record as loaded (<see cref="Stale"/>), then by the intake writer with the record as committed.
    /// </summary>
    [BindProperty]
    public int? Version { get; set; }

    /// <summary>Whether the record is past its retention (003 §20) or its publication period: it cannot be restored.</summary>
    public bool Closed { get; private set; }

    /// <summary>What the last change did (after the redirect), and its batch.</summary>
    [TempData]
    public string? Done { get; set; }

    /// <summary>The batch's id as text (TempData keeps no long).</summary>
    [TempData]
    public string? DoneBatch { get; set; }

    /// <summary>Whether the record was withdrawn through a dispute's verification: the unit cannot restore it here.</summary>
    public bool WithdrawnByDispute { get; private set; }

    public bool MayCorrect => Record is { Status: RecordStatus.InForce, UnderDispute: false } && Furnishes;

    public bool MayRestore => Record is { Status: RecordStatus.Withdrawn, UnderDispute: false } && Furnishes && !WithdrawnByDispute && !Closed;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    /// <summary>Corrects the record's fields: the stored record with the clerk's values laid over it, under the same key.</summary>
    public async Task<IActionResult> OnPostCorrectAsync(long id, CancellationToken cancellationToken)
    {
        if (await StartAsync(id, "correct", () => MayCorrect, cancellationToken) is { } refused)
        {
            return refused;
        }

        var typed = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in Editable)
        {
            typed[field.Code] = Request.Form[field.Code].ToString().Trim();
        }

        Values = new Dictionary<string, string?>(typed, StringComparer.Ordinal);
        if (Editable.All(f => SameValue(f, typed[f.Code], Stored.GetValueOrDefault(f.Code))))
        {
            GeneralErrors.Add(text["unitRecord.nothingChanged"]);
            return await ShowAsync(cancellationToken);
        }

        if (!NoteIsValid(required: false))
        {
            return await ShowAsync(cancellationToken);
        }

        var subject = await db.Subjects.AsNoTracking().FirstAsync(s => s.Id == Record!.SubjectId, cancellationToken);
        return await RunAsync(RecordRows.Correction(Category!, Record!, subject, protector, typed), Change.Corrected, cancellationToken);
    }

    /// <summary>Withdraws the record, with the clerk's reason and confirmation.</summary>
    public async Task<IActionResult> OnPostWithdrawAsync(long id, CancellationToken cancellationToken)
    {
        if (await StartAsync(id, "withdraw", () => MayCorrect, cancellationToken) is { } refused)
        {
            return refused;
        }

        var valid = NoteIsValid(required: true);
        if (!Confirm)
        {
            FieldErrors["Confirm"] = text["unitRecord.confirmRequired"];
            valid = false;
        }

        return valid
            ? await RunAsync(RecordRows.Withdrawal(Record!), Change.Withdrawn, cancellationToken)
            : await ShowAsync(cancellationToken);
    }

    /// <summary>Restores a record the unit withdrew: its stored fields sent again under its key.</summary>
    public async Task<IActionResult> OnPostRestoreAsync(long id, CancellationToken cancellationToken)
    {
        if (await StartAsync(id, "restore", () => MayRestore, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!NoteIsValid(required: true))
        {
            return await ShowAsync(cancellationToken);
        }

        var subject = await db.Subjects.AsNoTracking().FirstAsync(s => s.Id == Record!.SubjectId, cancellationToken);
        return await RunAsync(RecordRows.Correction(Category!, Record!, subject, protector, new Dictionary<string, string?>()), Change.Restored, cancellationToken);
    }

    /// <summary>
    /// The start of a change: the record as it is now (the clerk acts on the page the GET showed and logged), which form,
    /// and whether the change may be made to it now — if not, or if the form was made from an older version, the page again.
    /// </summary>
    private async Task<IActionResult?> StartAsync(long id, string form, Func<bool> allowed, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken, logRead: false))
        {
            return NotFound();
        }

        FailedForm = form;
        return !allowed() || Stale() ? await ShowAsync(cancellationToken) : null;
    }

    /// <summary>
    /// A unit that finds what it furnished was wrong tells the platform's operators (003 §11: 应当及时告知…运行维护部门): the
    /// credit centre's operators are told of each change made here, with the unit's reason; the subject, when they have an
    /// account, is told that a record about them was corrected, withdrawn or restored. Neither message holds an ID number.
    /// </summary>
    private async Task TellAsync(Change change, long batchId, CancellationToken cancellationToken)
    {
        var r = Record!;
        var unit = catalog.FindUnit(r.UnitCode);
        var (whatZh, whatEn) = (change.Zh, change.EnPast);
        var reasonZh = Note is null ? "" : $"原因：{Note}";
        var reasonEn = Note is null ? "" : $" Reason: {Note}";
        await notifications.SendToRoleAsync(db, Roles.Operator, null, new Message("unit-record-changed",
            $"{unit?.NameZh ?? r.UnitCode}{whatZh}了一条记录", $"{unit?.NameEn ?? r.UnitCode} {whatEn} a record",
            $"{unit?.NameZh ?? r.UnitCode}{whatZh}了“{Category!.NameZh}”记录（编号 {r.RecordKey}，第 {batchId} 批）。{reasonZh}",
            $"{unit?.NameEn ?? r.UnitCode} {whatEn} a '{Category.NameEn}' record (key {r.RecordKey}, batch #{batchId}).{reasonEn}",
            $"/operator/batches/{batchId}"), cancellationToken);
        var subjectId = r.SubjectId;
        var own = await db.Accounts.AsNoTracking().Where(a => a.SubjectId == subjectId && !a.Disabled).Select(a => a.Id).ToListAsync(cancellationToken);
        if (own.Count > 0)
        {
            await notifications.SendAsync(db, own, new Message("record-changed-by-unit",
                $"您的一条信用记录已{whatZh}", $"A credit record about you was {change.EnParticiple}",
                $"{unit?.NameZh ?? r.UnitCode}{whatZh}了关于您的“{Category.NameZh}”记录。{reasonZh}",
                $"{unit?.NameEn ?? r.UnitCode} {whatEn} the '{Category.NameEn}' record about you.{reasonEn}", "/me/records"), cancellationToken);
        }
    }

    private bool NoteIsValid(bool required)
    {
        Note = string.IsNullOrWhiteSpace(Note) ? null : Note.Trim();
        if (Note is null && required)
        {
            FieldErrors["Note"] = text["unitRecord.noteRequired"];
            return false;
        }

        if (Note is { Length: > NoteMaxLength })
        {
            FieldErrors["Note"] = text.Format("unitRecord.noteTooLong", NoteMaxLength, Note.Length);
            return false;
        }

        if (Note is not null && Masking.HasIdLike(Note))
        {
            // The reason is shown to operators and kept for good: an ID number in it would be unmasked wherever it is read.
            FieldErrors["Note"] = text["unitRecord.noteHasId"];
            // Shown back masked, so the refusal itself does not put the number on the page.
            Note = Masking.MaskIdLike(Note);
            return false;
        }

        return true;
    }

    /// <summary>Whether the record changed since the clerk's form was made; if so the clerk is told, and nothing is sent.</summary>
    private bool Stale()
    {
        if (Version is { } version && version != Record!.Version)
        {
            GeneralErrors.Add(text.Format("unitRecord.stale", Record.Version));
            return true;
        }

        return false;
    }

    /// <summary>A typed value and a stored one are the same: numbers by value (820.50 is 820.5), the rest as text.</summary>
    private static bool SameValue(FieldDefinition field, string? typed, string? stored)
    {
        typed = typed?.Trim() ?? "";
        stored ??= "";
        if (field.Type is FieldType.Integer or FieldType.Decimal or FieldType.Money
            && decimal.TryParse(typed, NumberStyles.Number, CultureInfo.InvariantCulture, out var a)
            && decimal.TryParse(stored, NumberStyles.Number, CultureInfo.InvariantCulture, out var b))
        {
            return a == b;
        }

        return string.Equals(typed, stored, StringComparison.Ordinal);
    }

    /// <summary>Shows the page again (a refused change): what it shows goes into the subject's query log, as a GET's does.</summary>
    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        if (GeneralErrors.Count == 0 && FieldErrors.Count == 0)
        {
            GeneralErrors.Add(text["unitRecord.cannotChange"]);
        }

        var actor = await actors.ResolveAsync(User, db, cancellationToken);
        await queries.ReadUnitRecordsAsync(db, actor, [Record!], ReadPurpose, "web", cancellationToken);
        return Page();
    }

    private const string ReadPurpose = "本单位记录核对 unit's own record";

    private async Task<IActionResult> RunAsync(IntakeRow row, Change change, CancellationToken cancellationToken)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim)!;
        var request = new IntakeRequest(unit, IntakeChannels.Correction, $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}", Category!.Code,
            ReturnRecordResults: true, Note: Note);
        // The row expects the version of the record as loaded (RecordRows), which Stale() has found to be the form's: the writer
        // compares it again with the record as committed, under its lock, so a change someone else commits in between (a file
        // import, the API, a colleague) is refused here, not overwritten.
        var result = await intake.RunAsync(request, [row], null, cancellationToken);
        var english = UiText.IsEnglish();
        GeneralErrors.AddRange(result.Refusals.Select(r => r.Message(english)));
        var outcome = result.Records.Count > 0 ? result.Records[0] : null;
        if (outcome is null || outcome.Outcome != change.Outcome)
        {
            foreach (var reason in outcome?.Reasons ?? [])
            {
                if (reason.Field is { } field && Editable.Any(f => f.Code == field) && !FieldErrors.ContainsKey(field))
                {
                    FieldErrors[field] = reason.Message(english);
                }
                else
                {
                    GeneralErrors.Add(reason.Message(english));
                }
            }

            if (outcome is { Outcome: RecordOutcome.Unchanged })
            {
                GeneralErrors.Add(text["unitRecord.nothingChanged"]);
            }

            if (GeneralErrors.Count == 0 && FieldErrors.Count == 0)
            {
                GeneralErrors.Add(text["unitRecord.failed"]);
            }

            // Show the record as it now is (the record is unchanged; the refused row is on its batch's page), with the clerk's
            // values kept in the form.
            var typed = Values;
            await LoadAsync(Record!.Id, cancellationToken, logRead: false);
            if (FailedForm == "correct")
            {
                Values = typed;
            }

            return await ShowAsync(cancellationToken);
        }

        await TellAsync(change, result.BatchId, cancellationToken);
        Done = text[change.DoneKey];
        DoneBatch = result.BatchId.ToString(CultureInfo.InvariantCulture);
        return RedirectToPage(new { id = Record!.Id });
    }

    /// <param name="logRead">Whether this load goes into the subject's query log (not again when a failed change reloads the page).</param>
    private async Task<bool> LoadAsync(long id, CancellationToken cancellationToken, bool logRead = true)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim);
        Record = await db.Records.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.UnitCode == unit, cancellationToken);
        if (Record is null)
        {
            return false;
        }

        if (logRead)
        {
            var actor = await actors.ResolveAsync(User, db, cancellationToken);
            var allowed = await queries.ReadUnitRecordsAsync(db, actor, [Record], ReadPurpose, "web", cancellationToken);
            if (!allowed.Contains(Record.Id))
            {
                return false;
            }
        }

        var subject = await db.Subjects.AsNoTracking().Where(s => s.Id == Record.SubjectId).Select(s => new { s.Name, s.IdMasked }).FirstOrDefaultAsync(cancellationToken);
        SubjectName = subject?.Name ?? "—";
        SubjectMasked = subject?.IdMasked ?? "—";
        Category = catalog.Find(Record.CategoryCode);
        Furnishes = Category is not null && Category.ResponsibleUnits.Contains(unit!, StringComparer.Ordinal);
        if (Category is not null)
        {
            Editable = RecordRows.EditableFields(Category);
            Stored = RecordRows.CurrentValues(Category, Record);
            Values = new Dictionary<string, string?>(Stored, StringComparer.Ordinal);
        }

        var changes = await db.RecordChanges.AsNoTracking().Where(c => c.SubjectId == Record.SubjectId && c.RecordId == Record.Id)
            .OrderByDescending(c => c.Id).ToListAsync(cancellationToken);
        var batchIds = changes.Where(c => c.BatchId is not null).Select(c => c.BatchId!.Value).Distinct().ToList();
        var notes = await db.IntakeBatches.AsNoTracking().Where(b => batchIds.Contains(b.Id) && b.Note != null)
            .ToDictionaryAsync(b => b.Id, b => b.Note!, cancellationToken);
        var accountIds = changes.Select(c => AccountOf(c.Actor)).OfType<long>().Distinct().ToList();
        var accounts = await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.DisplayName, cancellationToken);
        History = [.. changes.Select(c => new HistoryEntry(c, Who(c.Actor, accounts), c.BatchId is { } b ? notes.GetValueOrDefault(b) : null))];
        WithdrawnByDispute = Record.Status == RecordStatus.Withdrawn && changes.FirstOrDefault(c => c.Action == RecordAction.Withdrawn)?.Channel == IntakeChannels.Dispute;
        var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow().UtcDateTime);
        var recordId = Record.Id;
        Closed = Record.PublicationEnd is { } end && end < today || await db.RetiredRecords.AnyAsync(r => r.RecordId == recordId, cancellationToken);
        return true;
    }

    private static long? AccountOf(string actor) =>
        actor.StartsWith("account:", StringComparison.Ordinal) && long.TryParse(actor.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>Who made a change, as a clerk reads it: a colleague's name, the API credential, or the platform.</summary>
    private string Who(string actor, Dictionary<long, string> accounts) =>
        AccountOf(actor) is { } id ? accounts.GetValueOrDefault(id) ?? actor
        : actor.StartsWith("api:", StringComparison.Ordinal) ? text.Format("unitRecord.who.api", actor[4..])
        : actor.StartsWith("system", StringComparison.Ordinal) || actor == "demo-seeder" ? text["unitRecord.who.platform"]
        : actor;

    /// <summary>Whether the page shows <paramref name="form"/> (correct and withdraw go together; restore only when they are not offered).</summary>
    public bool Shows(string form) => form == "restore" ? !MayCorrect && MayRestore : MayCorrect;

    /// <summary>The form's errors at its top, for the form that failed (the correction's with a link to each field in error).</summary>
    public FormErrorsView ErrorsFor(string form)
    {
        if (FailedForm != form)
        {
            return new FormErrorsView([], []);
        }

        var fields = form == "correct" ? FormErrorsView.Of([], Editable, FieldErrors).Fields.ToList() : [];
        if (FieldErrors.TryGetValue("Note", out var note))
        {
            fields.Add(("Note-" + form, text[form == "correct" ? "unitRecord.noteLabel" : "unitRecord.noteRequiredLabel"], note));
        }

        if (FieldErrors.TryGetValue("Confirm", out var confirm))
        {
            fields.Add(("Confirm", text["unitRecord.confirmLabel"], confirm));
        }

        return new FormErrorsView(GeneralErrors, fields);
    }

    /// <summary>A field of the correction form, with its error when the correction failed.</summary>
    public RecordFieldView FieldFor(FieldDefinition field) =>
        new(field, Values.GetValueOrDefault(field.Code), FailedForm == "correct" ? FieldErrors.GetValueOrDefault(field.Code) : null);

    public RecordNoteView NoteFor(string form, bool required) => new(form, this, required);
}

/// <summary>The reason field of one of a record page's forms (each form has its own, so their ids differ).</summary>
public sealed record RecordNoteView(string Form, RecordModel Page, bool Required)
{
    public string InputId => "Note-" + Form;

    public string? Error => Page.FailedForm == Form ? Page.FieldErrors.GetValueOrDefault("Note") : null;

    public string? Value => Page.FailedForm == Form ? Page.Note : null;
}
