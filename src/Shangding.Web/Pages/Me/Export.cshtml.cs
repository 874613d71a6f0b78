using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Core.Subjects;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Me;

/// <summary>
/// The PIPL access right: everything held about the signed-in citizen as one JSON file — subject data
/// (with their own full ID number: it is their own view), every record with its fields and history,
/// score, explanation and history, consent, grants (without codes), the query log about them, their
/// disputes, repair applications and self-reports with the evidence files' metadata (name, type, size,
/// SHA-256, date and the download address — the bytes stay downloadable there), and the notifications
/// of their accounts with how each was delivered. Staff account ids are left out.
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
        var disputes = await db.Disputes.AsNoTracking().Where(d => d.SubjectId == me.SubjectId).OrderBy(d => d.Id).ToListAsync(cancellationToken);
        var repairs = await db.RepairApplications.AsNoTracking().Where(a => a.SubjectId == me.SubjectId).OrderBy(a => a.Id).ToListAsync(cancellationToken);
        var selfReports = await db.SelfReports.AsNoTracking().Where(r => r.SubjectId == me.SubjectId).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        var accountIds = await db.Accounts.AsNoTracking().Where(a => a.SubjectId == me.SubjectId).Select(a => a.Id).ToListAsync(cancellationToken);
        var recipients = accountIds.Select(id => $"account:{id}").ToList();
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
            disputes = disputes.Select(d => new
            {
                d.Id, d.RecordId, d.CategoryCode, d.UnitCode, d.Reason, d.Status, d.FiledAt, d.ForwardDue, d.ForwardedAt, d.AnswerDue, d.AnsweredAt,
                d.Outcome, d.AnswerText, d.NotifyDue, d.NotifiedAt,
            }),
            repairApplications = repairs.Select(a => new { a.Id, a.RecordId, a.UnitCode, a.Statement, a.Commitment, a.Status, a.FiledAt, a.DecisionDue, a.DecidedAt, a.DecisionReason }),
            selfReports = selfReports.Select(r => new
            {
                r.Id, r.CategoryCode, r.UnitCode, r.Name, r.Sex, r.ActDate, r.Matter, r.Status, r.FiledAt, r.DecisionDue, r.DecidedAt, r.DecisionReason, r.RecordId,
            }),
            evidenceFiles = await EvidenceFilesAsync(disputes.Select(d => d.Id), repairs.Select(a => a.Id), selfReports.Select(r => r.Id), cancellationToken),
            notifications = await db.Notifications.AsNoTracking().Where(n => accountIds.Contains(n.AccountId)).OrderBy(n => n.Id)
                .Select(n => new { n.Id, n.Kind, n.TitleZh, n.TitleEn, n.BodyZh, n.BodyEn, n.Link, n.CreatedAt, n.ReadAt })
                .ToListAsync(cancellationToken),
            notificationDeliveries = await db.Outbox.AsNoTracking().Where(m => recipients.Contains(m.Recipient)).OrderBy(m => m.Id)
                .Select(m => new { m.NotificationId, m.Channel, m.Title, m.Status, m.Attempts, m.CreatedAt, m.SentAt })
                .ToListAsync(cancellationToken),
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(export, Json);
        return File(bytes, "application/json", $"shangding-my-data-{Shangding.Web.Portal.ChinaTime.Of(clock.GetUtcNow().UtcDateTime):yyyyMMdd}.json");
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>What is known of the evidence files of the citizen's disputes, repair applications and self-reports — never their bytes.</summary>
    private async Task<List<object>> EvidenceFilesAsync(IEnumerable<long> disputes, IEnumerable<long> repairs, IEnumerable<long> selfReports, CancellationToken cancellationToken)
    {
        var owners = new[] { (DisputeService.FileOwner, disputes.ToList()), (RepairService.FileOwner, repairs.ToList()), (SelfReportService.FileOwner, selfReports.ToList()) };
        var files = new List<object>();
        foreach (var (kind, ids) in owners.Where(o => o.Item2.Count > 0))
        {
            files.AddRange(await db.RemedyFiles.AsNoTracking().Where(f => f.OwnerKind == kind && ids.Contains(f.OwnerId)).OrderBy(f => f.Id)
                .Select(f => new { f.Id, f.OwnerKind, f.OwnerId, f.FileName, f.ContentType, f.SizeBytes, f.Sha256, f.UploadedAt, download = "/remedies/files/" + f.Id })
                .ToListAsync(cancellationToken));
        }

        return files;
    }
}
