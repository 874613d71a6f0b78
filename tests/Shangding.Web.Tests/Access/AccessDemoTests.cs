using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Subjects;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Access;

public sealed class AccessDemoTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADemoCitizenSeededUnderAnEarlierNumber_IsNotSeededAgainEachStart_AndTheCallerIsTold()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        // Seeded at start under the documented number: nothing more to do.
        (await AccessDemo.EnsureAsync(scope.ServiceProvider, db, Ct)).ShouldBeTrue();
        var batches = await db.IntakeBatches.CountAsync(Ct);

        // A database seeded before the number changed: the demo records are there under another person.
        var hash = scope.ServiceProvider.GetRequiredService<IdentityProtector>().LookupHash(AccessDemo.CitizenId);
        var earlier = new string('e', hash.Length);
        (await db.Subjects.Where(s => s.IdHash == hash).ExecuteUpdateAsync(u => u.SetProperty(s => s.IdHash, earlier), Ct)).ShouldBe(1);
        try
        {
            (await AccessDemo.EnsureAsync(scope.ServiceProvider, db, Ct)).ShouldBeFalse();
            // Before, each start sent the demo records again for a new person, every one refused (the keys were taken).
            (await db.IntakeBatches.CountAsync(Ct)).ShouldBe(batches);
        }
        finally
        {
            await db.Subjects.Where(s => s.IdHash == earlier).ExecuteUpdateAsync(u => u.SetProperty(s => s.IdHash, hash), Ct);
        }
    }
}
