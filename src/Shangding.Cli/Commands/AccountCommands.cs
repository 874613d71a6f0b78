using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Cli.Commands;

/// <summary>
/// <c>shangding accounts …</c>: staff and organisation accounts. <c>create</c> is how a new installation
/// gets its first operator; the operator then manages the rest on <c>/operator/accounts</c>.
/// </summary>
internal static class AccountCommands
{
    public static Command Build(CliContext cli)
    {
        var user = new Option<string>("--user") { Description = "User name: 3–32 lower-case letters, digits, . - _", Required = true };
        var name = new Option<string>("--name") { Description = "Display name, e.g. 市信用中心 运维员", Required = true };
        var role = new Option<string>("--role") { Description = $"One of {string.Join(", ", AccountService.ManagedRoles)}", Required = true };
        var unit = new Option<string?>("--unit") { Description = "The reporting unit of a unit clerk, or the body of a government querier (units.yaml code)" };
        var json = CommandHelpers.JsonOption();
        var create = new Command("create", "Create an account; its first password is printed once (audited)") { user, name, role, unit, json };
        create.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            try
            {
                var (account, password) = await Service(cli).CreateManagedAsync(context, cli.Get<CatalogDefinition>(), parse.GetValue(user), parse.GetValue(name),
                    parse.GetValue(role), parse.GetValue(unit), Actor, ct);
                if (parse.GetValue(json))
                {
                    cli.WriteJson(new { account.Id, account.UserName, account.DisplayName, account.Role, account.UnitCode, password });
                }
                else
                {
                    await cli.Out.WriteLineAsync($"已创建账户 / Account {account.UserName} ({account.Role}) created. 密码仅此一次显示 / Password (shown once): {password}");
                }
            }
            catch (AccountFieldException ex)
            {
                throw new CliException($"--{Kebab(ex.Field)}: {ex.MessageEn} / {ex.MessageZh}");
            }

            return 0;
        });

        var listRole = new Option<string?>("--role") { Description = "Only this role" };
        var listJson = CommandHelpers.JsonOption();
        var list = new Command("list", "List accounts (never their passwords)") { listRole, listJson };
        list.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var wanted = parse.GetValue(listRole);
            var rows = await context.Accounts.AsNoTracking()
                .Where(a => a.Role != Roles.Citizen && a.Role != Roles.Organisation && (wanted == null || a.Role == wanted))
                .OrderBy(a => a.Role).ThenBy(a => a.UserName)
                .Select(a => new { a.Id, a.UserName, a.DisplayName, a.Role, a.UnitCode, a.Disabled, a.LockedUntil, a.CreatedAt, a.LastSignInAt })
                .ToListAsync(ct);
            if (parse.GetValue(listJson))
            {
                cli.WriteJson(rows);
            }
            else
            {
                foreach (var a in rows)
                {
                    await cli.Out.WriteLineAsync($"{a.UserName,-16} {a.Role,-12} {(a.Disabled ? "disabled" : "active  ")}  {a.UnitCode,-22} {a.DisplayName}");
                }
            }

            return 0;
        });

        return new Command("accounts", "Staff and organisation accounts (residents sign in with real-name verification)")
        {
            create, list,
            Change(cli, "disable", "Disable an account: its sessions end and its API tokens stop at once (audited)",
                async (service, context, account, ct) => (await service.SetDisabledAsync(context, account.Id, true, null, Actor, ct)).UserName + " disabled."),
            Change(cli, "enable", "Enable a disabled account again (audited)",
                async (service, context, account, ct) => (await service.SetDisabledAsync(context, account.Id, false, null, Actor, ct)).UserName + " enabled."),
            Change(cli, "reset-password", "Set a new password, printed once; ends the account's sessions and lifts a lockout (audited)",
                async (service, context, account, ct) => $"New password for {account.UserName} (shown once): {(await service.ResetPasswordAsync(context, account.Id, Actor, ct)).Password}"),
            Change(cli, "unlock", "Lift a lockout after wrong passwords (audited)",
                async (service, context, account, ct) => (await service.UnlockAsync(context, account.Id, Actor, ct)).UserName + " unlocked."),
        };
    }

    private static string Actor => "cli:" + Environment.UserName;

    private static AccountService Service(CliContext cli) => new(cli.Get<TimeProvider>());

    private static string Kebab(string field) => field switch
    {
        "UserName" => "user",
        "DisplayName" => "name",
        "UnitCode" => "unit",
        _ => field.ToLowerInvariant(),
    };

    private static Command Change(CliContext cli, string verb, string description,
        Func<AccountService, ShangdingDbContext, Account, CancellationToken, Task<string>> action)
    {
        var user = new Argument<string>("user") { Description = "The account's user name" };
        var command = new Command(verb, description) { user };
        command.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var wanted = parse.GetValue(user)!.Trim().ToLowerInvariant();
#pragma warning disable CA1862 // lower() in SQL, covered by the unique index
            var account = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserName.ToLower() == wanted, ct)
#pragma warning restore CA1862
                ?? throw new CliException($"No account '{wanted}'. / 没有该账户。");
            try
            {
                await cli.Out.WriteLineAsync(await action(Service(cli), context, account, ct));
            }
            catch (AccessException ex)
            {
                throw new CliException($"{ex.MessageEn} / {ex.MessageZh}");
            }

            return 0;
        });
        return command;
    }
}
