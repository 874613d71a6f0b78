using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Subjects;

namespace Shangding.Web.Access;

/// <summary>
/// Demo data of the access module (development only, <c>Demo:Seed</c>): querying accounts (third-party
/// organisations, government bodies) and one known demo citizen with records of classes A, B and C,
/// furnished through the real intake pipeline. They have not opted in to the score: they can at /me/score.
/// Also one demo organisation with a licence and an administrative penalty old enough for credit repair,
/// to sign in at /account/organisation. Idempotent.
/// </summary>
public static class AccessDemo
{
    /// <summary>The demo citizen (fictitious, valid check digit): sign in at /account/citizen with this name and number.</summary>
    public const string CitizenName = "王小明";

    /// <summary>The example number the documentation and the API description print (<see cref="ExampleIdNumber"/>), so their examples work against the demo.</summary>
    public static string CitizenId => ExampleIdNumber.Value;

    /// <summary>The demo organisation (fictitious, valid check character): sign in at /account/organisation with this name and code.</summary>
    public const string OrganisationName = "郑州商鼎示范商贸有限公司";

    public static string OrganisationUscc { get; } = "91410105MA4DXE6K1" + UnifiedSocialCreditCode.ComputeCheckCharacter("91410105MA4DXE6K1");

    public static IReadOnlyList<(string User, string Name, string Role, string? Unit)> Accounts { get; } =
    [
        ("bank", "郑州某银行", Roles.ThirdParty, null),
        ("library", "郑州图书馆", Roles.ThirdParty, null),
        ("landlord", "郑州安居住房租赁公司", Roles.ThirdParty, null),
        ("police", "市公安局 查询员", Roles.GovernmentQuerier, "PUBLIC-SECURITY"),
        ("civil-gov", "市民政局 查询员", Roles.GovernmentQuerier, "CIVIL-AFFAIRS"),
        ("pboc", "人行郑州中心支行 查询员", Roles.GovernmentQuerier, "PBOC-ZHENGZHOU"),
    ];

    /// <summary>
    /// Seeds the demo accounts, organisation and citizen where missing. False when the database's demo citizen was seeded
    /// under an earlier demo number (its records are there, under another person than <see cref="CitizenId"/>): seeding again
    /// would only send the same record keys for another person, refused each start; the caller says so.
    /// </summary>
    public static async Task<bool> EnsureAsync(IServiceProvider services, ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var accounts = services.GetRequiredService<AccountService>();
        foreach (var (user, name, role, unit) in Accounts)
        {
            if (!await context.Accounts.AnyAsync(a => a.UserName == user, cancellationToken))
            {
                if (unit is not null && !await context.Units.AnyAsync(u => u.Code == unit, cancellationToken))
                {
                    continue; // units come with the demo seed; without them, no government demo account
                }

                await accounts.CreateAsync(context, user, name, role, DemoAccounts.Password, unit, null, cancellationToken);
            }
        }

        var protector = services.GetRequiredService<IdentityProtector>();
        await EnsureOrganisationAsync(services, context, protector, cancellationToken);
        var hash = protector.LookupHash(CitizenId);
        if (await context.Subjects.AnyAsync(s => s.IdHash == hash, cancellationToken))
        {
            return true;
        }

        if (await context.Records.AnyAsync(r => r.UnitCode == "CIVILISATION-OFFICE" && r.RecordKey == "DEMO-V-1", cancellationToken))
        {
            return false;
        }

        var intake = services.GetRequiredService<IntakeService>();
        var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(services.GetRequiredService<TimeProvider>().GetUtcNow());
        string Day(int daysAgo) => today.AddDays(-daysAgo).ToString("yyyy-MM-dd");
        Dictionary<string, string?> Person(string key) => new() { ["record_key"] = key, ["name"] = CitizenName, ["id_type"] = "居民身份证", ["id_number"] = CitizenId };

        var volunteer = Person("DEMO-V-1");
        volunteer["rated_on"] = Day(200);
        volunteer["rating_body"] = "市文明办";
        volunteer["honour_level"] = "省级";
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "demo-seeder", "P-VOLUNTEER"), [new IntakeRow(1, null, volunteer, [])], null, cancellationToken);

        var water = Person("DEMO-W-1");
        water["customer_address"] = "郑州市金水区花园路1号";
        water["arrears_from"] = Day(400);
        water["arrears_counted_to"] = Day(300);
        water["arrears_quantity"] = "12";
        water["arrears_amount"] = "86.5";
        water["determining_body"] = "市自来水公司";
        water["determined_on"] = Day(290);
        await intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "demo-seeder", "P-ARREARS-WATER"), [new IntakeRow(1, null, water, [])], null, cancellationToken);

        var credit = Person("DEMO-C-1");
        // Within the 12 months of a general bad record, so that the bodies named for class C (PBOC) still receive it.
        credit["defaulted_on"] = Day(120);
        credit["default_amount"] = "3200";
        await intake.RunAsync(new IntakeRequest("PBOC-ZHENGZHOU", IntakeChannels.Batch, "demo-seeder", "P-CREDIT-DEFAULT"), [new IntakeRow(1, null, credit, [])], null, cancellationToken);
        return true;
    }

    private static async Task EnsureOrganisationAsync(IServiceProvider services, ShangdingDbContext context, IdentityProtector protector, CancellationToken cancellationToken)
    {
        var hash = protector.LookupHash(OrganisationUscc);
        if (await context.Subjects.AnyAsync(s => s.IdHash == hash, cancellationToken) || !await context.Units.AnyAsync(u => u.Code == "MARKET-REGULATION", cancellationToken))
        {
            return;
        }

        var intake = services.GetRequiredService<IntakeService>();
        var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(services.GetRequiredService<TimeProvider>().GetUtcNow());
        string Day(int daysAgo) => today.AddDays(-daysAgo).ToString("yyyy-MM-dd");
        Dictionary<string, string?> Organisation(string key) => new() { ["record_key"] = key, ["name"] = OrganisationName, ["uscc"] = OrganisationUscc };

        var licence = Organisation("DEMO-ORG-L-1");
        licence["decision_number"] = "郑市监许〔2025〕0412号";
        licence["licence_kind"] = "普通";
        licence["certificate_name"] = "食品经营许可证";
        licence["licence_content"] = "预包装食品销售";
        licence["decided_on"] = Day(420);
        licence["valid_from"] = Day(420);
        licence["licensing_authority"] = "郑州市市场监督管理局";
        var penalty = Organisation("DEMO-ORG-P-1");
        penalty["decision_number"] = "郑市监罚〔2026〕0087号";
        penalty["violation_kind"] = "未按规定明码标价";
        penalty["facts"] = "门店销售的部分商品未按规定标明价格。";
        penalty["legal_basis"] = "《中华人民共和国价格法》第四十二条";
        penalty["penalty_kind"] = "罚款";
        penalty["fine_amount"] = "2000";
        penalty["penalising_authority"] = "郑州市市场监督管理局";
        // Past the 3 months a general bad record is published at least: the organisation may apply for repair.
        penalty["decided_on"] = Day(130);
        await intake.RunAsync(new IntakeRequest("MARKET-REGULATION", IntakeChannels.Batch, "demo-seeder", "O-LICENCE"), [new IntakeRow(1, null, licence, [])], null, cancellationToken);
        await intake.RunAsync(new IntakeRequest("MARKET-REGULATION", IntakeChannels.Batch, "demo-seeder", "O-ADMIN-PENALTY"), [new IntakeRow(1, null, penalty, [])], null, cancellationToken);
    }
}
