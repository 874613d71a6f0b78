using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Audit;
using Shangding.Core.Data;

namespace Shangding.Cli.Commands;

/// <summary><c>shangding audit verify</c> and <c>audit checkpoint</c>: the tamper evidence of the audit chain, query log and record history.</summary>
internal static class AuditCommands
{
    public static Command Build(CliContext cli)
    {
        var json = CommandHelpers.JsonOption();
        var verify = new Command("verify", "Check the audit chain, the query log chain and its signed checkpoints, and record history; name the first entry altered, removed or inserted") { json };
        verify.SetAction(async (parse, ct) =>
        {
            var report = await cli.Get<AuditVerifier>().VerifyAsync(ct);
            if (parse.GetValue(json))
            {
                cli.WriteJson(report);
            }
            else
            {
                await cli.Out.WriteLineAsync($"审计链 / audit chain: {report.AuditEntries:N0} 条 / entries");
                await cli.Out.WriteLineAsync($"查询日志 / query log: {report.QueryLogEntries:N0} 条 / entries{(report.QueryLogStartsAfter is { } after ? $" (after the purge up to entry {after})" : "")}, {report.Checkpoints:N0} signed checkpoints");
                await cli.Out.WriteLineAsync($"记录历史 / record history: {report.RecordChanges:N0} 条变更，{report.Seals:N0} 个封印 / changes under {report.Seals:N0} seals");
                foreach (var problem in report.Problems)
                {
                    await cli.Out.WriteLineAsync($"被篡改 / TAMPERED {problem}");
                }

                await cli.Out.WriteLineAsync(report.Ok ? "OK: nothing altered, removed or inserted. / 校验通过。" : "FAILED: see above. / 校验未通过。");
            }

            return report.Ok ? 0 : 3;
        });

        var checkpoint = new Command("checkpoint", "Sign the latest query log entry and the head of the audit chain now (the daily job does this too)");
        checkpoint.SetAction(async (_, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var signed = await cli.Get<QueryLog>().CheckpointAsync(context, ct);
            await cli.Out.WriteLineAsync(signed is null ? "没有需要签名的新内容。 / Nothing new to sign." : $"已签名检查点 / Signed checkpoint at query log entry {signed.LastEntryId} and audit entry {signed.AuditEntryId?.ToString(CultureInfo.InvariantCulture) ?? "-"} (key {signed.KeyId}).");
            return 0;
        });

        var actor = new Option<string>("--actor") { Description = "Who runs it (kept in the audit chain)", Required = true };
        var baseline = new Command("seal-baseline", "Seal record history rows no seal covers (rows from before migration 0011): once, when upgrading; audited") { actor };
        baseline.SetAction(async (parse, ct) =>
        {
            var seal = await RecordHistory.SealBaselineAsync(cli.Get<DatabaseSettings>(), parse.GetValue(actor)!, cli.Get<TimeProvider>().GetUtcNow().UtcDateTime, ct);
            await cli.Out.WriteLineAsync(seal is null ? "所有记录历史均已封印。 / Every record history row is already sealed." : $"已将 {seal.RowCount:N0} 条记录历史封印为基线封印 {seal.Id}。 / Sealed {seal.RowCount:N0} record history row(s) as baseline seal {seal.Id}.");
            return 0;
        });

        return new Command("audit", "Tamper evidence: verify the chains, sign a query log checkpoint, seal pre-existing history") { verify, checkpoint, baseline };
    }
}
