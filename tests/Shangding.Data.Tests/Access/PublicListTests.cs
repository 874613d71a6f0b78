using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Testing;

namespace Shangding.Data.Tests.Access;

/// <summary>The public lists over real storage: exactly the published records, in order, paged, with counts.</summary>
public sealed class PublicListTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [AllEngines]
    public async Task SevereList_ShowsExactlyWhatIsWithinItsPublicationPeriod_PagedNewestFirst(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 11, 20);
        var today = new DateOnly(2026, 11, 20);
        var models = new ScoreModelRegistry(new Shangding.Core.ShangdingPaths(RepoPaths.Root, RepoPaths.Catalog, Path.Combine(RepoPaths.Catalog, "calendar"), Path.GetTempPath()),
            TestPlatform.Catalog, db.Settings, clock);
        var serious = models.Active.PublicationMonths[Severity.Serious];
        var service = new PublicInformation(new AccessPolicy(models.Active.PublicationMonths), TestPlatform.Catalog, clock, models);

        await using var context = db.NewContext();
        var subject = new Subject
        {
            Kind = SubjectKind.Person, CertType = "ResidentId", IdHash = "h1", IdCipher = "c1", IdMasked = "4101**********1234", Name = "王大明",
            CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        context.Subjects.Add(subject);
        await context.SaveChangesAsync(Ct);
        var n = 0;
        CreditRecord Record(string category, DateOnly act, RecordStatus status = RecordStatus.InForce, DateOnly? publicationEnd = null) => new()
        {
            SubjectId = subject.Id, UnitCode = "INTERMEDIATE-COURT", CategoryCode = category, RecordKey = $"K-{++n}", ActDate = act, Severity = "Serious",
            Status = status, FieldsJson = "{}", ContentHash = $"h{n}", PublicationEnd = publicationEnd, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };

        var published = new List<CreditRecord>();
        for (var i = 0; i < 23; i++)
        {
            published.Add(Record("P-COURT-DISHONEST-ENFORCEE", today.AddDays(-10 * i - 1)));
        }

        var lastDay = Record("P-COURT-DISHONEST-ENFORCEE", today.AddMonths(-serious).AddDays(1)); // its last day of publication
        var extended = Record("O-TAX-VIOLATION", today.AddYears(-5), publicationEnd: today); // an explicit end, today included
        published.Add(lastDay);
        published.Add(extended);
        context.Records.AddRange(published);
        context.Records.AddRange(
            Record("P-COURT-DISHONEST-ENFORCEE", today.AddMonths(-serious)), // the period has run out today
            Record("P-COURT-DISHONEST-ENFORCEE", today.AddYears(-1), publicationEnd: today.AddDays(-1)), // ended early
            Record("P-COURT-DISHONEST-ENFORCEE", today.AddDays(-3), RecordStatus.Repaired),
            Record("P-COURT-DISHONEST-ENFORCEE", today.AddDays(-3), RecordStatus.Withdrawn),
            Record("P-ARREARS-WATER", today.AddDays(-3))); // class B: never public
        await context.SaveChangesAsync(Ct);

        var first = await service.ListAsync(context, PublicLists.Severe, 1, Ct);
        first.Total.ShouldBe(25);
        first.Entries.Count.ShouldBe(PublicInformation.PageSize);
        first.Entries.Select(e => e.RecordId).ShouldBe(published.OrderByDescending(r => r.ActDate).ThenByDescending(r => r.Id).Take(20).Select(r => r.Id));
        first.Entries[0].SubjectName.ShouldBe("王**");
        first.Entries[0].SubjectId.ShouldBe("4101**********1234");

        var second = await service.ListAsync(context, PublicLists.Severe, 2, Ct);
        second.Entries.Select(e => e.RecordId).ShouldBe(published.OrderByDescending(r => r.ActDate).ThenByDescending(r => r.Id).Skip(20).Select(r => r.Id));
        second.Entries.ShouldContain(e => e.RecordId == lastDay.Id);
        second.Entries.Single(e => e.RecordId == extended.Id).PublishedUntil.ShouldBe(today);
        (await service.ListAsync(context, PublicLists.Severe, 3, Ct)).Entries.ShouldBeEmpty();

        // The next day the record on its last day has gone, and so has the one ending today.
        clock.Set(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.FromHours(8)));
        (await service.ListAsync(context, PublicLists.Severe, 1, Ct)).Total.ShouldBe(23);
    }
}
