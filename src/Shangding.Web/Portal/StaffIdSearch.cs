using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Reporting;
using Shangding.Core.Subjects;
using Shangding.Web.Localization;

namespace Shangding.Web.Portal;

/// <summary>
/// A staff page's search by a subject's full ID number or unified social credit code (a clerk's records, the query log):
/// the number comes posted, never in an address, is looked up by its keyed hash and shown back only masked, and goes into
/// no log line. When the search finds nothing, <see cref="ProblemText"/> says what looks wrong with the number (a check
/// digit, a length, a birth date; <see cref="IdentifierSearch"/>), in the words the intake uses for a refused identifier.
/// </summary>
/// <param name="SubjectId">The subject with that number, or null when there is none.</param>
/// <param name="Masked">The number as typed, masked.</param>
/// <param name="Problem">What looks wrong with the number as typed; <see cref="IdError.None"/> when nothing does.</param>
public sealed record StaffIdSearch(long? SubjectId, string Masked, IdError Problem)
{
    public static async Task<StaffIdSearch> FindAsync(ShangdingDbContext db, IdentityProtector protector, TimeProvider clock, string typed,
        CancellationToken cancellationToken)
    {
        var normalised = IdentifierNormaliser.Normalise(typed);
        var hash = protector.LookupHash(normalised);
        var subject = await db.Subjects.AsNoTracking().Where(s => s.IdHash == hash).Select(s => (long?)s.Id).FirstOrDefaultAsync(cancellationToken);
        return new StaffIdSearch(subject, Masking.Mask(normalised), IdentifierSearch.Check(normalised, ReportingTime.ChinaDate(clock.GetUtcNow())));
    }

    /// <summary>What to tell the reader when nothing was found for the number, in the page's language; null when the number looks right.</summary>
    public string? ProblemText(UiText text) => Problem == IdError.None
        ? null
        : text.Format("idSearch.problem", IdErrorMessages.Describe(Problem, UiText.IsEnglish() ? UiText.English : UiText.Chinese));
}
