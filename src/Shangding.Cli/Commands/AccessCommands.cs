using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Cli.Commands;

/// <summary><c>shangding access credentials …</c>: query API tokens of third-party organisations and government bodies.</summary>
internal static class AccessCommands
{
    public static Command Build(CliContext cli)
    {
        var user = new Option<string>("--user") { Description = "User name of the third-party or government account", Required = true };
        var label = new Option<string>("--label") { Description = "What the token is for (e.g. the organisation's system)", DefaultValueFactory = _ => "api" };
        var json = CommandHelpers.JsonOption();
        var create = new Command("create", "Issue a query API token (sdq_…) for a third-party or government account; shown once") { user, label, json };
        create.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var name = parse.GetValue(user)!.Trim().ToLowerInvariant();
#pragma warning disable CA1862 // lower() in SQL, covered by the index on lower(user_name)
            var account = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserName.ToLower() == name, ct)
#pragma warning restore CA1862
                ?? throw new CliException($"No account '{name}'. / 没有该账户。");
            try
            {
                var (keyId, token) = await cli.Get<AccessCredentials>().CreateAsync(context, account.Id, parse.GetValue(label)!, "cli", ct);
                if (parse.GetValue(json))
                {
                    cli.WriteJson(new { keyId, token, account = account.UserName, account.Role });
                }
                else
                {
                    await cli.Out.WriteLineAsync($"密钥 / Key {keyId}：{account.DisplayName} ({account.Role})。令牌仅此一次显示 / Token (shown once): {token}");
                }
            }
            catch (AccessException ex)
            {
                throw new CliException(ex.Message);
            }

            return 0;
        });

        var key = new Argument<string>("key-id") { Description = "The key id to revoke" };
        var revoke = new Command("revoke", "Revoke a query API token at once") { key };
        revoke.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            if (!await cli.Get<AccessCredentials>().RevokeAsync(context, parse.GetValue(key)!, ct))
            {
                throw new CliException("No active key with that id. / 没有该有效凭证。");
            }

            await cli.Out.WriteLineAsync("已吊销。 / Revoked.");
            return 0;
        });

        return new Command("access", "Access: query API credentials of third parties and government bodies")
        {
            new Command("credentials", "Query API tokens (sdq_…)") { create, revoke },
        };
    }
}
