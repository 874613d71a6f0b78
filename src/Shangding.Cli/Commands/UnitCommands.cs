using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Cli.Commands;

internal static class UnitCommands
{
    public static Command Build(CliContext cli)
    {
        var unit = new Option<string>("--unit") { Description = "Reporting unit code, e.g. WATER-SUPPLY", Required = true };
        var categories = new Option<string[]>("--category") { Description = "Limit to these categories (default: all of the unit's)", AllowMultipleArgumentsPerToken = true };
        var label = new Option<string>("--label") { Description = "What the credential is for, e.g. 'billing system'", DefaultValueFactory = _ => "API" };
        var json = CommandHelpers.JsonOption();
        var create = new Command("create", "Issue an API credential for a unit's system (the token is shown once)") { unit, categories, label, json };
        create.SetAction(async (parse, ct) =>
        {
            await cli.Get<SchemaMigrator>().MigrateAsync(ct);
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            IssuedCredential issued;
            try
            {
                issued = await cli.Get<UnitCredentials>().CreateAsync(context, parse.GetValue(unit)!, parse.GetValue(categories), parse.GetValue(label)!, "cli", ct);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message);
            }

            if (parse.GetValue(json))
            {
                cli.WriteJson(issued);
            }
            else
            {
                await cli.Out.WriteLineAsync($"密钥 / Key {issued.KeyId}：{issued.UnitCode} ({string.Join(", ", issued.Categories)})");
                await cli.Out.WriteLineAsync($"令牌仅此一次显示，请保存到本单位系统中 / Token (shown only now; store it in the unit's system): {issued.Token}");
            }

            return 0;
        });

        var listUnit = new Option<string?>("--unit") { Description = "Only this unit" };
        var listJson = CommandHelpers.JsonOption();
        var list = new Command("list", "List API credentials (never their secrets)") { listUnit, listJson };
        list.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var wanted = parse.GetValue(listUnit);
            var rows = await context.UnitCredentials.AsNoTracking()
                .Where(c => wanted == null || c.UnitCode == wanted)
                .OrderBy(c => c.UnitCode).ThenBy(c => c.CreatedAt)
                .Select(c => new { c.KeyId, c.UnitCode, c.Label, c.Categories, c.CreatedAt, c.LastUsedAt, c.RevokedAt })
                .ToListAsync(ct);
            if (parse.GetValue(listJson))
            {
                cli.WriteJson(rows);
            }
            else
            {
                foreach (var c in rows)
                {
                    await cli.Out.WriteLineAsync($"{c.KeyId}  {c.UnitCode,-20} {(c.RevokedAt is null ? "active " : "revoked")}  {c.Label}  [{c.Categories}]");
                }
            }

            return 0;
        });

        var keyId = new Argument<string>("key-id") { Description = "The credential's key id" };
        var revoke = new Command("revoke", "Revoke an API credential; it stops working at once") { keyId };
        revoke.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var id = parse.GetValue(keyId)!;
            if (!await cli.Get<UnitCredentials>().RevokeAsync(context, id, ct))
            {
                throw new CliException($"没有密钥编号为“{id}”的有效凭据。 / No active credential with key id '{id}'.");
            }

            await cli.Out.WriteLineAsync($"已吊销 {id}。 / Revoked {id}.");
            return 0;
        });

        return new Command("unit", "Reporting units") { new Command("credentials", "API credentials of reporting units") { create, list, revoke } };
    }
}
