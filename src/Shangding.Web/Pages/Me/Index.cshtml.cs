using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Me;

/// <summary>The citizen's overview: who I am (ID masked), my score at a glance, my records in force, and the way to everything else.</summary>
public sealed class OverviewModel(ShangdingDbContext db, ScoreService scores) : CitizenPage(db)
{
    public Shangding.Core.Scoring.ScoreModel Model => scores.Model;
    public StoredScore? Stored { get; private set; }
    public bool OptedIn { get; private set; }
    public int Good { get; private set; }
    public int Bad { get; private set; }
    public int UnderDispute { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        OptedIn = await Db.ScoreOptIns.AnyAsync(o => o.SubjectId == Subject.Id && o.OptedOutAt == null, cancellationToken);
        Stored = OptedIn ? await Db.Scores.AsNoTracking().SingleOrDefaultAsync(s => s.SubjectId == Subject.Id, cancellationToken) : null;
        var inForce = await Db.Records.AsNoTracking().Where(r => r.SubjectId == Subject.Id && r.Status == RecordStatus.InForce)
            .Select(r => r.CategoryCode).ToListAsync(cancellationToken);
        Good = inForce.Count(c => Model.Find(c)?.Polarity == Shangding.Core.Catalog.Polarity.Good);
        Bad = inForce.Count - Good;
        UnderDispute = await Db.Records.CountAsync(r => r.SubjectId == Subject.Id && r.UnderDispute, cancellationToken);
    }

    public ScoreLevel? Level => Stored is not null && Enum.TryParse<ScoreLevel>(Stored.Level, out var level) ? level : null;
}
