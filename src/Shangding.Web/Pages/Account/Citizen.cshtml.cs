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
/// Citizen sign-in through real-name verification (003 §18: the subject shows their identity). The ID
/// number travels only in this POST body; the account is linked to the subject it identifies, created
/// on first sign-in (the subject too, if no unit has reported about them yet).
/// </summary>
public sealed class CitizenModel(IServiceProvider services, ShangdingDbContext db, IdentityProtector protector, AccountService accounts, TimeProvider clock, UiText text)
    : VerifiedSignInModel(services.GetService<IRealNameVerifier>()?.IsDevelopmentOnly)
{
    private readonly IRealNameVerifier? _verifier = services.GetService<IRealNameVerifier>();

    [BindProperty]
    public string? IdNumber { get; set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (_verifier is null)
        {
            return Page();
        }

        // Each field's error beside it, in the page's language; the verifier is asked only about a well-formed form.
        ModelState.Clear();
        if (string.IsNullOrWhiteSpace(Name) || Name.Trim().Length > 50)
        {
            ModelState.AddModelError(nameof(Name), text["fields.citizen.name"]);
        }

        if (!ResidentIdNumber.TryParse(IdNumber, Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow()), out _, out var idError))
        {
            ModelState.AddModelError(nameof(IdNumber), IdErrorMessages.Describe(idError, CultureInfo.CurrentUICulture.Name));
        }

        if (string.IsNullOrWhiteSpace(Code))
        {
            ModelState.AddModelError(nameof(Code), text["fields.citizen.code"]);
        }

        if (!ModelState.IsValid)
        {
            IdNumber = null; // never echoed back into the page
            return Page();
        }

        var result = await _verifier.VerifyAsync(Name!, IdNumber!, Code!, cancellationToken);
        IdNumber = null; // never echoed back into the page
        if (!result.Verified)
        {
            // The form was well-formed, so the verification itself failed: its answer goes beside the code.
            ModelState.AddModelError(nameof(Code), UiText.Pick(result.ErrorZh!, result.ErrorEn!));
            return Page();
        }

        var name = Name!.Trim();
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = protector.LookupHash(result.Identifier!);
        var subject = await db.Subjects.FirstOrDefaultAsync(s => s.IdHash == hash, cancellationToken);
        if (subject is null)
        {
            var parsed = ResidentIdNumber.Parse(result.Identifier!, Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow()));
            subject = new Subject
            {
                Kind = SubjectKind.Person,
                CertType = nameof(CertificateType.ResidentId),
                IdHash = hash,
                IdCipher = protector.Encrypt(result.Identifier!),
                IdMasked = Masking.Mask(result.Identifier),
                Name = name,
                BirthDate = parsed.BirthDate,
                Sex = parsed.Sex == Sex.Male ? "M" : "F",
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Subjects.Add(subject);
            await db.SaveChangesAsync(cancellationToken);
        }
        else if (!string.Equals(subject.Name, name, StringComparison.Ordinal))
        {
            // The name does not match the one on file for this ID number: not signed in, and nothing about
            // the subject changes (an unverified name must not mark the file as needing a check).
            ModelState.AddModelError(nameof(Name), text["access.citizen.nameMismatch"]);
            return Page();
        }

        return await SignInAsync(db, accounts, Roles.Citizen, subject, name, now, "/me/records", cancellationToken);
    }
}
