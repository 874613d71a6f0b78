using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Subjects;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Me;

/// <summary>
/// The PIPL access right: everything held about the signed-in citizen as one JSON file — subject data
/// (with their own full ID number: it is their own view), every record with its fields and history,
/// score, explanation and history, consent, grants (without codes) and the query log about them.
/// The export itself is a query and is logged.
/// </summary>
public sealed class ExportModel(ShangdingDbContext db, ActorResolver actors, CreditQueries queries, IdentityProtector protector, TimeProvider clock) : PageModel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    public bool Linked { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Linked = await MeSupport.CitizenAsync(User, db, actors, cancellationToken) is not null;

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await MeSupport.CitizenAsync(User, db, actors, cancellationToken) is not { } me)
        {
            return RedirectToPage();
        }

        var answer = await queries.QueryAsync(db, me.Actor, new AccessRequest(me.SubjectId, AccessWhat.Export, "self-export"), "web", cancellationToken);
        if (!answer.Allowed)
        {
            return Forbid();
        }

        var subject = await db.Subjects.AsNoTracking().SingleAsync(s => s.Id == me.SubjectId, cancellationToken);
        var recordIds = answer.Records!.Select(r => r.Id).ToList();
        var export = new
        {
            exportedAt = clock.GetUtcNow(),
            about = "Everything the Zhengzhou public credit information platform holds about you (PIPL art. 45). 平台保存的关于您的全部信息。",
            subject = new
            {
                subject.Kind,
                subject.CertType,
                idNumber = protector.Decrypt(subject.IdCipher),
                subject.Name,
                subject.BirthDate,
                subject.Sex,
                subject.NameConflict,
                subject.CreatedAt,
                subject.UpdatedAt,
            },
            records = answer.Records!.Select(r => new
            {
                r.Id, r.CategoryCode, r.CategoryZh, r.CategoryEn, r.InfoClass, r.Polarity, r.Severity, r.UnitCode, r.UnitZh, r.UnitEn,
                r.ActDate, r.Status, r.UnderDispute, r.PublicationEnd, r.CreatedAt, r.UpdatedAt,
                fields = JsonDocument.Parse(r.FieldsJson).RootElement.Clone(),
            }),
            recordHistory = (await db.RecordChanges.AsNoTracking().Where(c => c.SubjectId == me.SubjectId && recordIds.Contains(c.RecordId)).OrderBy(c => c.Id).ToListAsync(cancellationToken))
                .Select(c => new { c.RecordId, c.Version, c.Action, c.Channel, c.At, before = Parse(c.BeforeJson), after = Parse(c.AfterJson) }),
            scoreConsent = await db.ScoreOptIns.AsNoTracking().Where(o => o.SubjectId == me.SubjectId).ToListAsync(cancellationToken),
            score = await db.Scores.AsNoTracking().Where(s => s.SubjectId == me.SubjectId)
                .Select(s => new { s.Score, s.Level, s.ModelVersion, s.AsOf, s.ComputedAt, s.Reason, s.ExplanationJson }).ToListAsync(cancellationToken)
                is { Count: > 0 } scores ? scores.Select(s => new { s.Score, s.Level, s.ModelVersion, s.AsOf, s.ComputedAt, s.Reason, explanation = Parse(s.ExplanationJson) }).First() : null,
            scoreHistory = await db.ScoreHistory.AsNoTracking().Where(h => h.SubjectId == me.SubjectId).OrderBy(h => h.Id)
                .Select(h => new { h.Score, h.Level, h.ModelVersion, h.ComputedAt, h.Reason }).ToListAsync(cancellationToken),
            grants = await db.AccessGrants.AsNoTracking().Where(g => g.SubjectId == me.SubjectId).OrderBy(g => g.Id)
                .Select(g => new { g.Id, g.RecipientName, g.Scope, g.Benefit, g.Purpose, g.CodeHint, g.CreatedAt, g.ExpiresAt, g.RevokedAt, g.UseCount, g.LastUsedAt })
                .ToListAsync(cancellationToken),
            queries = await db.QueryLog.AsNoTracking().Where(q => q.SubjectId == me.SubjectId).OrderBy(q => q.Id)
                .Select(q => new { q.At, q.QuerierRole, q.QuerierName, q.Channel, q.Purpose, q.Scope, q.GrantId, q.LetterNumber, q.Outcome, q.RefusalReason })
                .ToListAsync(cancellationToken),
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(export, Json);
        return File(bytes, "application/json", $"shangding-my-data-{Shangding.Web.Portal.ChinaTime.Of(clock.GetUtcNow().UtcDateTime):yyyyMMdd}.json");
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
