using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Audit;

/// <summary>The state of the tamper evidence: chain sizes, the last signed checkpoint, and a verification run on demand (as `shangding audit verify`).</summary>
[Authorize(Policy = Shangding.Web.Access.AccessWeb.AuditPolicy)]
public sealed class AuditModel(ShangdingDbContext db, AuditVerifier verifier, QueryLog log, UiText text) : PageModel
{
    public int AuditEntries { get; private set; }
    public int QueryLogEntries { get; private set; }
    public int Checkpoints { get; private set; }
    public int Seals { get; private set; }
    public QueryLogCheckpoint? LastCheckpoint { get; private set; }
    public IReadOnlyList<AuditEntry> Recent { get; private set; } = [];
    public VerifyReport? Report { get; private set; }
    public string? Message { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken cancellationToken)
    {
        Report = await verifier.VerifyAsync(cancellationToken);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostCheckpointAsync(CancellationToken cancellationToken)
    {
        var signed = await log.CheckpointAsync(db, cancellationToken);
        Message = signed is null ? text["access.audit.nothingToSign"] : text.Format("access.audit.signed", signed.LastEntryId, signed.AuditEntryId?.ToString(CultureInfo.InvariantCulture) ?? "—");
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        AuditEntries = await db.AuditEntries.CountAsync(cancellationToken);
        QueryLogEntries = await db.QueryLog.CountAsync(cancellationToken);
        Checkpoints = await db.QueryLogCheckpoints.CountAsync(cancellationToken);
        Seals = await db.RecordHistorySeals.CountAsync(cancellationToken);
        LastCheckpoint = await db.QueryLogCheckpoints.AsNoTracking().OrderByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
        Recent = await db.AuditEntries.AsNoTracking().OrderByDescending(a => a.Id).Take(20).ToListAsync(cancellationToken);
    }
}
