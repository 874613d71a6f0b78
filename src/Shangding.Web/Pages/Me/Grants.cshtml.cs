using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using QRCoder;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Me;

/// <summary>The citizen's authorizations (003 §18): create one (code and QR code shown once), see them and their use, revoke at once.</summary>
public sealed class GrantsModel(ShangdingDbContext db, ActorResolver actors, GrantService grants, BenefitCatalog benefits, TimeProvider clock, UiText text) : PageModel
{
    [BindProperty]
    public long? Recipient { get; set; }

    [BindProperty]
    public string Scope { get; set; } = GrantScopes.Level;

    [BindProperty]
    public string? Benefit { get; set; }

    [BindProperty]
    public string? Purpose { get; set; }

    [BindProperty]
    public DateOnly Expires { get; set; }

    [BindProperty]
    public long GrantId { get; set; }

    public bool Linked { get; private set; }
    public BenefitCatalog Benefits => benefits;
    public IReadOnlyList<Core.Data.Account> Organisations { get; private set; } = [];
    public IReadOnlyList<AccessGrant> Grants { get; private set; } = [];
    public IssuedGrant? Issued { get; private set; }
    public string? QrSvg { get; private set; }
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public string State(AccessGrant grant) =>
        grant.RevokedAt is not null ? "revoked" : grant.ExpiresAt <= clock.GetUtcNow().UtcDateTime ? "expired" : "active";

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Expires = Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow()).AddDays(30);
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (await MeSupport.CitizenAsync(User, db, actors, cancellationToken) is not { } me)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        // Errors are shown beside their fields, in the page's language (not the binder's English).
        ModelState.Clear();
        try
        {
            // The grant runs to the end of the chosen day, China time.
            var endOfDay = new DateTimeOffset(Expires.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).UtcDateTime;
            Issued = await grants.CreateAsync(db, me.SubjectId, Recipient ?? 0, Scope, Benefit, Purpose, endOfDay, cancellationToken);
            using var generator = new QRCodeGenerator();
            using var data = generator.CreateQrCode(Issued.Code, QRCodeGenerator.ECCLevel.M);
            QrSvg = new SvgQRCode(data).GetGraphic(new System.Drawing.Size(220, 220), "#000000", "#ffffff", drawQuietZones: true,
                sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
            Purpose = null;
        }
        catch (AccessException ex) when (FieldOf(ex.Field) is { } field)
        {
            ModelState.AddModelError(field, UiText.Pick(ex.MessageZh, ex.MessageEn));
        }
        catch (AccessException ex)
        {
            Error = UiText.Pick(ex.MessageZh, ex.MessageEn);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>The form field (property) a refusal of <see cref="GrantService"/> is about.</summary>
    private static string? FieldOf(string? field) => field switch
    {
        "recipient" => nameof(Recipient),
        "scope" => nameof(Scope),
        "benefit" => nameof(Benefit),
        "purpose" => nameof(Purpose),
        "expires" => nameof(Expires),
        _ => null,
    };

    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken cancellationToken)
    {
        if (await MeSupport.CitizenAsync(User, db, actors, cancellationToken) is { } me)
        {
            if (await grants.RevokeAsync(db, me.SubjectId, GrantId, cancellationToken))
            {
                Message = text["access.grants.revoked"];
            }
            else
            {
                Error = text["access.grants.notRevoked"];
            }
        }

        Expires = Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow()).AddDays(30);
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var me = await MeSupport.CitizenAsync(User, db, actors, cancellationToken);
        Linked = me is not null;
        Organisations = await db.Accounts.AsNoTracking().Where(a => a.Role == Roles.ThirdParty && !a.Disabled).OrderBy(a => a.DisplayName).ToListAsync(cancellationToken);
        if (me is { } m)
        {
            Grants = await db.AccessGrants.AsNoTracking().Where(g => g.SubjectId == m.SubjectId).OrderByDescending(g => g.Id).ToListAsync(cancellationToken);
        }

    }
}
