using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shangding.Cli;
using Shangding.Core.Data;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Cli;

public sealed class RemedyCliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Code, string Out, string Err)> Run(TestDatabase db, params string[] args)
    {
        var overrides = new Dictionary<string, string?>(ShangdingWebFactory.TestKeys)
        {
            ["Shangding:Home"] = RepoPaths.Root,
            ["Database:Provider"] = db.Settings.Provider.ToString(),
            ["ConnectionStrings:Shangding"] = db.Settings.ConnectionString,
        };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, overrides);
        return (code, output.ToString(), error.ToString());
    }

    private static Dispute Filed(long recordId, DateTime filedAt, DateOnly forwardDue) => new()
    {
        RecordId = recordId, SubjectId = 1, UnitCode = "WATER-SUPPLY", CategoryCode = "P-ARREARS-WATER", Reason = "x",
        Status = DisputeStatus.Filed, FiledAt = filedAt, ForwardDue = forwardDue,
    };

    [Theory]
    [AllEngines]
    public async Task DisputesList_Overdue_ShowsOnlyDisputesPastAWorkingDayDeadline(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        await using (var context = db.NewContext())
        {
            context.Disputes.Add(Filed(1, DateTime.UtcNow.AddDays(-30), today.AddDays(-20)));
            context.Disputes.Add(Filed(2, DateTime.UtcNow, today.AddDays(5)));
            await context.SaveChangesAsync(Ct);
        }

        var (code, output, _) = await Run(db, "disputes", "list", "--overdue", "--json");
        code.ShouldBe(0);
        var disputes = JsonDocument.Parse(output).RootElement.GetProperty("disputes").EnumerateArray().ToList();
        disputes.Count.ShouldBe(1);
        disputes[0].GetProperty("overdueStep").GetString().ShouldBe("Forward");
        disputes[0].GetProperty("workingDaysLate").GetInt32().ShouldBeGreaterThan(0);

        var (allCode, all, _) = await Run(db, "disputes", "list");
        allCode.ShouldBe(0);
        all.Split('\n').Count(l => l.Contains("WATER-SUPPLY", StringComparison.Ordinal)).ShouldBe(2);
        all.ShouldContain("working day(s) late");
    }

    [Theory]
    [AllEngines]
    public async Task RetentionRun_DryRunChangesNothing_ThenPurgesOldQueryLogsIntoTheAuditChain(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var context = db.NewContext())
        {
            foreach (var years in new[] { 6, 1 })
            {
                context.QueryLog.Add(new QueryLogEntry
                {
                    At = DateTime.UtcNow.AddYears(-years), QuerierRole = "government", QuerierName = "市民政局", SubjectId = 1, Channel = "web",
                    Purpose = "p", Scope = "report", Outcome = QueryOutcome.Allowed, PrevHash = "p", EntryHash = $"e{years}",
                });
            }

            await context.SaveChangesAsync(Ct);
        }

        var (dryCode, dry, _) = await Run(db, "retention", "run", "--dry-run");
        dryCode.ShouldBe(0);
        dry.ShouldContain("Dry run");
        dry.ShouldContain("1 query log entries");
        dry.ShouldStartWith("试运行：");
        dry.ShouldContain("UTC 之前）将清除 1 条。");
        await using (var context = db.NewContext())
        {
            (await context.QueryLog.CountAsync(Ct)).ShouldBe(2);
        }

        var (code, output, _) = await Run(db, "retention", "run");
        code.ShouldBe(0);
        output.ShouldContain("query-log-purge");
        await using (var context = db.NewContext())
        {
            (await context.QueryLog.Select(q => q.EntryHash).ToListAsync(Ct)).ShouldBe(["e1"]);
            var purge = await context.AuditEntries.SingleAsync(a => a.Kind == "query-log-purge", Ct);
            purge.ContentHash.ShouldBe("e6");
            purge.Actor.ShouldBe("cli");
            Shangding.Core.Audit.AuditChain.Verify(await context.AuditEntries.OrderBy(a => a.Id).ToListAsync(Ct)).ShouldBeNull();
        }
    }
}
