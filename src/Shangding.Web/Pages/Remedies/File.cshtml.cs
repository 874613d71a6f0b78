using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Remedies;

/// <summary>
/// An evidence file of a dispute, repair application or self-report: the access policy decides
/// (<see cref="AccessPolicy.MayReadCase"/>: the applicant, the unit concerned and operators) and the
/// download is in the query log, allowed or refused; anyone refused gets 404. Always downloaded, never
/// rendered inline.
/// </summary>
[Authorize]
public sealed class FileModel(ShangdingDbContext db) : RemediesPageModel
{
    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var file = await db.RemedyFiles.AsNoTracking().Where(f => f.Id == id)
            .Select(f => new { f.OwnerKind, f.OwnerId, f.FileName }).FirstOrDefaultAsync(cancellationToken);
        if (file is null)
        {
            return NotFound();
        }

        var owner = file.OwnerKind switch
        {
            CaseKinds.Dispute => await db.Disputes.AsNoTracking().Where(d => d.Id == file.OwnerId).Select(d => CaseFacts.Of(d)).FirstOrDefaultAsync(cancellationToken),
            CaseKinds.Repair => await db.RepairApplications.AsNoTracking().Where(a => a.Id == file.OwnerId).Select(a => CaseFacts.Of(a)).FirstOrDefaultAsync(cancellationToken),
            CaseKinds.SelfReport => await db.SelfReports.AsNoTracking().Where(r => r.Id == file.OwnerId).Select(r => CaseFacts.Of(r)).FirstOrDefaultAsync(cancellationToken),
            _ => null,
        };
        if (owner is null || (await ReadCasesAsync(db, [owner with { Evidence = true }], "查看证明材料 evidence file", cancellationToken)).Count == 0)
        {
            return NotFound();
        }

        var content = await db.RemedyFiles.AsNoTracking().Where(f => f.Id == id).Select(f => new { f.Content, f.ContentType }).SingleAsync(cancellationToken);
        Response.Headers["X-Content-Type-Options"] = "nosniff";
        return File(content.Content, content.ContentType, file.FileName);
    }
}
