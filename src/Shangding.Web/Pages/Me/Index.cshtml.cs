using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Me;

/// <summary>
/// The subject's overview: who I am (a resident's ID masked, an organisation's code in full), my score at
/// a glance (residents only), my records in force, and the way to everything else.
/// </summary>
public sealed class OverviewModel(ShangdingDbContext db, ScoreService scores, CatalogDefinition catalog) : CitizenPage(db)
{
    /// <summary>An organisation signed in as itself: no score, no grants, self-reports or PIPL export.</summary>
    public bool IsOrganisation => Subject.Kind == SubjectKind.Organisation;

    public Shangding.Core.Scoring.ScoreModel Model => scores.Model;
    public StoredScore? Stored { get; private set; }
    public bool OptedIn { get; private set; }
    public int Good { get; private set; }
    public int Bad { get; private set; }
    public int UnderDispute { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        OptedIn = !IsOrganisation && await Db.ScoreOptIns.AnyAsync(o => o.SubjectId == Subject.Id && o.OptedOutAt == null, cancellationToken);
        Stored = OptedIn ? await Db.Scores.AsNoTracking().SingleOrDefaultAsync(s => s.SubjectId == Subject.Id, cancellationToken) : null;
        var inForce = await Db.Records.AsNoTracking().Where(r => r.SubjectId == Subject.Id && r.Status == RecordStatus.InForce)
            .Select(r => r.CategoryCode).ToListAsync(cancellationToken);
        // Good and bad as the catalogue defines them; neutral records (licences, judgements) are neither.
        Good = inForce.Count(c => catalog.Find(c)?.Polarity == Polarity.Good);
        Bad = inForce.Count(c => catalog.Find(c)?.Polarity == Polarity.Bad);
        UnderDispute = await Db.Records.CountAsync(r => r.SubjectId == Subject.Id && r.UnderDispute, cancellationToken);
    }

    public ScoreLevel? Level => Stored is not null && Enum.TryParse<ScoreLevel>(Stored.Level, out var level) ? level : null;
}
