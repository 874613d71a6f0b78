using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Subjects;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Account;

/// <summary>
/// An organisation signs in as the subject of its own records (法人登录) through the electronic business
/// licence check (<see cref="IOrganisationVerifier"/>), to see its records and who queried them, dispute
/// a record and apply for credit repair (seed 002 §6–7, 003 §22). The account is linked to the subject
/// with its unified social credit code, created on first sign-in (the subject too, if no unit has
/// reported about it yet).
/// </summary>
public sealed class OrganisationModel(IServiceProvider services, ShangdingDbContext db, IdentityProtector protector, AccountService accounts, TimeProvider clock, UiText text)
    : VerifiedSignInModel(services.GetService<IOrganisationVerifier>()?.IsDevelopmentOnly)
{
    private readonly IOrganisationVerifier? _verifier = services.GetService<IOrganisationVerifier>();

    [BindProperty]
    public string? Uscc { get; set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (_verifier is null)
        {
            return Page();
        }

        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(Name) || Name.Trim().Length > 200)
        {
            ModelState.AddModelError(nameof(Name), text["fields.organisation.name"]);
        }

        if (!UnifiedSocialCreditCode.TryParse(Uscc, out _, out var codeError))
        {
            ModelState.AddModelError(nameof(Uscc), IdErrorMessages.Describe(codeError, CultureInfo.CurrentUICulture.Name));
        }

        if (string.IsNullOrWhiteSpace(Code))
        {
            ModelState.AddModelError(nameof(Code), text["fields.citizen.code"]);
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await _verifier.VerifyAsync(Name!, Uscc!, Code!, cancellationToken);
        if (!result.Verified)
        {
            ModelState.AddModelError(nameof(Code), UiText.Pick(result.ErrorZh!, result.ErrorEn!));
            return Page();
        }

        var name = Name!.Trim();
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = protector.LookupHash(result.Uscc!);
        var subject = await db.Subjects.FirstOrDefaultAsync(s => s.IdHash == hash, cancellationToken);
        if (subject is null)
        {
            subject = new Subject
            {
                Kind = SubjectKind.Organisation,
                CertType = "Uscc",
                IdHash = hash,
                IdCipher = protector.Encrypt(result.Uscc!),
                IdMasked = Masking.Mask(result.Uscc),
                Name = name,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Subjects.Add(subject);
            await db.SaveChangesAsync(cancellationToken);
        }
        else if (subject.Kind != SubjectKind.Organisation)
        {
            ModelState.AddModelError(nameof(Uscc), text["access.organisation.notOrganisation"]);
            return Page();
        }
        else if (!string.Equals(subject.Name, name, StringComparison.Ordinal))
        {
            // As for residents: a name other than the one on file signs nobody in and changes nothing.
            ModelState.AddModelError(nameof(Name), text["access.organisation.nameMismatch"]);
            return Page();
        }

        return await SignInAsync(db, accounts, Roles.Organisation, subject, name, now, "/me", cancellationToken);
    }
}
