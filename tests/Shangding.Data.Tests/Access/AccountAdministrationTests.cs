using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using Shangding.Testing;

namespace Shangding.Data.Tests.Access;

/// <summary>Operators' account administration: creation with its checks, disable/enable, password reset, unlock — each audited.</summary>
public sealed class AccountAdministrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<AuditEntry>> AuditAsync(TestDatabase db)
    {
        await using var context = db.NewContext();
        return await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
    }

    [Theory]
    [AllEngines]
    public async Task Create_ChecksEveryField_AndNothingIsWrittenForARefusal(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = new AccountService(MovableClock.At(2026, 11, 2));
        await using var context = db.NewContext();

        async Task<AccountFieldException> Refused(string? user, string? name, string? role, string? unit) =>
            await Should.ThrowAsync<AccountFieldException>(() => service.CreateManagedAsync(context, TestPlatform.Catalog, user, name, role, unit, "account:1", Ct));

        (await Refused("Water2", "水司", Roles.UnitClerk, "WATER-SUPPLY")).Field.ShouldBe("UserName"); // upper case
        (await Refused("w", "水司", Roles.UnitClerk, "WATER-SUPPLY")).Field.ShouldBe("UserName");
        (await Refused("2water", "水司", Roles.UnitClerk, "WATER-SUPPLY")).Field.ShouldBe("UserName");
        (await Refused("water2", "  ", Roles.UnitClerk, "WATER-SUPPLY")).Field.ShouldBe("DisplayName");
        (await Refused("water2", "水司", Roles.Citizen, null)).Field.ShouldBe("Role"); // residents come through real-name sign-in
        (await Refused("water2", "水司", "admin", null)).Field.ShouldBe("Role");
        (await Refused("water2", "水司", Roles.UnitClerk, null)).Field.ShouldBe("UnitCode");
        (await Refused("bank2", "某银行", Roles.ThirdParty, "WATER-SUPPLY")).Field.ShouldBe("UnitCode");
        var unknown = await Refused("water2", "水司", Roles.UnitClerk, "NO-SUCH-UNIT");
        (unknown.Field, unknown.MessageZh, unknown.MessageEn).ShouldBe(("UnitCode", "目录的单位表（units.yaml）中没有代码为 NO-SUCH-UNIT 的单位。", "The catalogue's units.yaml has no unit with the code NO-SUCH-UNIT."));
        (await context.Accounts.CountAsync(Ct)).ShouldBe(0);
        (await AuditAsync(db)).ShouldBeEmpty();

        // A unit of units.yaml nothing has used yet gets its row with the clerk's account.
        var (clerk, password) = await service.CreateManagedAsync(context, TestPlatform.Catalog, " water2 ", "市自来水公司 报送员", Roles.UnitClerk, "WATER-SUPPLY", "account:1", Ct);
        (clerk.UserName, clerk.UnitCode).ShouldBe(("water2", "WATER-SUPPLY"));
        password.Length.ShouldBe(16);
        (await context.Units.AnyAsync(u => u.Code == "WATER-SUPPLY", Ct)).ShouldBeTrue();
        (await service.SignInAsync(context, "WATER2", password, Ct)).Outcome.ShouldBe(SignInOutcome.Success);
        (await Refused("Water2".ToLowerInvariant(), "另一个", Roles.Auditor, null)).MessageEn.ShouldBe("This user name is taken.");

        var audit = (await AuditAsync(db)).ShouldHaveSingleItem();
        (audit.Kind, audit.RefId, audit.Actor).ShouldBe(("account-created", clerk.Id, "account:1"));
        audit.Summary.ShouldNotContain(password);
    }

    [Theory]
    [AllEngines]
    public async Task DisableResetUnlock_EndSessions_AsTheyShould_AndAreAudited(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 11, 2);
        var service = new AccountService(clock);
        await using var context = db.NewContext();
        var (op, _) = await service.CreateManagedAsync(context, TestPlatform.Catalog, "operator2", "运维员", Roles.Operator, null, "cli:root", Ct);
        var (bank, first) = await service.CreateManagedAsync(context, TestPlatform.Catalog, "bank2", "某银行", Roles.ThirdParty, null, "cli:root", Ct);
        (await AccountService.SessionValidAsync(context, bank.Id, 0, Ct)).ShouldBeTrue();

        (await Should.ThrowAsync<AccessException>(() => service.SetDisabledAsync(context, op.Id, true, op.Id, "account:op", Ct)))
            .MessageEn.ShouldBe("You cannot disable your own account.");

        await service.SetDisabledAsync(context, bank.Id, true, op.Id, "account:op", Ct);
        (await AccountService.SessionValidAsync(context, bank.Id, 0, Ct)).ShouldBeFalse();
        (await service.SignInAsync(context, "bank2", first, Ct)).Outcome.ShouldBe(SignInOutcome.Disabled);
        await service.SetDisabledAsync(context, bank.Id, true, op.Id, "account:op", Ct); // already disabled: nothing more
        await service.SetDisabledAsync(context, bank.Id, false, op.Id, "account:op", Ct);
        (await AccountService.SessionValidAsync(context, bank.Id, 2, Ct)).ShouldBeTrue(); // a session signed in after enabling
        (await AccountService.SessionValidAsync(context, bank.Id, 0, Ct)).ShouldBeFalse(); // one from before disabling stays ended

        // Locked out by wrong passwords; unlock lifts it, the password stays.
        for (var i = 0; i < AccountService.MaxFailures; i++)
        {
            await service.SignInAsync(context, "bank2", "wrong-password", Ct);
        }

        (await service.SignInAsync(context, "bank2", first, Ct)).Outcome.ShouldBe(SignInOutcome.LockedOut);
        await service.UnlockAsync(context, bank.Id, "account:op", Ct);
        (await service.SignInAsync(context, "bank2", first, Ct)).Outcome.ShouldBe(SignInOutcome.Success);

        var (_, second) = await service.ResetPasswordAsync(context, bank.Id, "account:op", Ct);
        second.ShouldNotBe(first);
        (await service.SignInAsync(context, "bank2", first, Ct)).Outcome.ShouldBe(SignInOutcome.WrongNameOrPassword);
        (await service.SignInAsync(context, "bank2", second, Ct)).Outcome.ShouldBe(SignInOutcome.Success);
        (await AccountService.SessionValidAsync(context, bank.Id, 2, Ct)).ShouldBeFalse();
        (await AccountService.SessionValidAsync(context, bank.Id, 3, Ct)).ShouldBeTrue();

        // Residents' accounts are not staff's to manage.
        var resident = await service.CreateAsync(context, "resident1", "居民", Roles.Citizen, "a-long-password", null, null, Ct);
        await Should.ThrowAsync<AccessException>(() => service.ResetPasswordAsync(context, resident.Id, "account:op", Ct));
        await Should.ThrowAsync<AccessException>(() => service.SetDisabledAsync(context, resident.Id, true, op.Id, "account:op", Ct));

        var audit = await AuditAsync(db);
        audit.Select(a => a.Kind).ShouldBe(["account-created", "account-created", "account-disabled", "account-enabled", "account-unlocked", "account-password-reset"]);
        AuditChain.Verify(audit).ShouldBeNull();
        audit.ShouldAllBe(a => !a.Summary.Contains(first) && !a.Summary.Contains(second));
    }
}
