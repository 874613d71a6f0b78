using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Web.Access;

/// <summary>
/// Sign-in accounts for the demo (development only, <c>Demo:Seed</c>): one per role the portals
/// have so far. The passwords are in the README; a real deployment creates its own accounts.
/// </summary>
public static class DemoAccounts
{
    public const string Password = "Shangding-demo-2026";

    public static IReadOnlyList<(string User, string Name, string Role, string? Unit)> All { get; } =
    [
        ("operator", "市信用中心 运维员", Roles.Operator, null),
        ("auditor", "市发展改革委 监督员", Roles.Auditor, null),
        ("water", "市自来水公司 报送员", Roles.UnitClerk, "WATER-SUPPLY"),
        ("civil", "市文明办 报送员", Roles.UnitClerk, "CIVILISATION-OFFICE"),
        ("court", "市中级人民法院 报送员", Roles.UnitClerk, "INTERMEDIATE-COURT"),
        ("amr", "市市场监管局 报送员", Roles.UnitClerk, "MARKET-REGULATION"),
    ];

    public static async Task EnsureAsync(ShangdingDbContext context, AccountService accounts, CancellationToken cancellationToken)
    {
        if (await context.Accounts.AnyAsync(cancellationToken))
        {
            return;
        }

        foreach (var (user, name, role, unit) in All)
        {
            await accounts.CreateAsync(context, user, name, role, Password, unit, null, cancellationToken);
        }
    }
}
