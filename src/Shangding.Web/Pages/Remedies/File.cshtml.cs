using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Remedies;

/// <summary>An evidence file, for the applicant, the unit concerned and operators only; always downloaded, never rendered inline.</summary>
[Authorize]
public sealed class FileModel(ShangdingDbContext db) : RemediesPageModel
{
    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var file = await db.RemedyFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, cancellationToken);
        if (file is null)
        {
            return NotFound();
        }

        (long? Applicant, string Unit)? owner = file.OwnerKind switch
        {
            DisputeService.FileOwner => await db.Disputes.AsNoTracking().Where(d => d.Id == file.OwnerId).Select(d => new { d.ApplicantAccountId, d.UnitCode })
                .Select(d => ValueTuple.Create(d.ApplicantAccountId, d.UnitCode)).FirstOrDefaultAsync(cancellationToken),
            RepairService.FileOwner => await db.RepairApplications.AsNoTracking().Where(a => a.Id == file.OwnerId)
                .Select(a => ValueTuple.Create(a.ApplicantAccountId, a.UnitCode)).FirstOrDefaultAsync(cancellationToken),
            SelfReportService.FileOwner => await db.SelfReports.AsNoTracking().Where(r => r.Id == file.OwnerId)
                .Select(r => ValueTuple.Create((long?)r.AccountId, r.UnitCode)).FirstOrDefaultAsync(cancellationToken),
            _ => null,
        };
        var allowed = owner is { } o && (o.Applicant == AccountId || User.IsInRole(Roles.Operator) || (User.IsInRole(Roles.UnitClerk) && UnitCode == o.Unit));
        if (!allowed)
        {
            return NotFound();
        }

        Response.Headers["X-Content-Type-Options"] = "nosniff";
        return File(file.Content, file.ContentType, file.FileName);
    }
}
