using Shangding.Core.Access;
using Spectre.Console;
using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Core.Subjects;

namespace Shangding.Cli.Commands;

internal static class ScoreCommands
{
    public static IEnumerable<Command> Build(CliContext cli)
    {
        var purpose = new Option<string>("--purpose")
        {
            Description = "Why the credit centre looks (logged in the person's query list, seed 003 §19), e.g. \"dispute 2026-17\"",
            Required = true,
        };
        var show = WithId(cli, "show", "Show a person's score, level, dimensions, contributions and key reasons (an operator's query: checked and logged)", async (context, subject, json, parse, ct) =>
        {
            // An operator's read like any other: the access policy decides and the query log records it.
            var actor = new AccessActor(Roles.Operator, Name: "cli:" + Environment.UserName);
            var answer = await cli.Get<CreditQueries>().QueryAsync(context, actor,
                new AccessRequest(subject.Id, AccessWhat.Score, parse.GetValue(purpose)), "cli", ct);
            if (!answer.Allowed)
            {
                throw new CliException($"Refused by the access policy: {answer.Reason}. / 访问策略拒绝：{answer.Reason}。");
            }

            var result = await cli.Get<ScoreService>().ComputeAsync(context, subject.Id, ct);
            if (result is null)
            {
                throw new CliException($"{subject.IdMasked} has not opted in to the Shangding score: no score is computed. / 该主体未开通商鼎分。");
            }

            if (json)
            {
                cli.WriteJson(new { subject = subject.IdMasked, result });
                return;
            }

            await cli.Out.WriteLineAsync($"{subject.IdMasked}: {result.Score} {result.LevelZh} ({result.LevelEn}), 模型 / model {result.ModelVersion}, 截至 / as of {result.AsOf:yyyy-MM-dd}");
            foreach (var d in result.Dimensions)
            {
                await cli.Out.WriteLineAsync($"  {Shangding.Core.Catalog.ScoreDimensionLabels.NameZh(d.Dimension)}: {d.Points:+#;-#;0} (+{d.Gained} / -{d.Lost}{(d.Cap is { } cap ? $", 上限 / cap {cap}" : "")})");
            }

            foreach (var c in result.Contributions)
            {
                await cli.Out.WriteLineAsync($"  {c.Points,4:+#;-#;0}  {c.CategoryZh}  {c.RuleZh}  (计至 / until {c.StopsOn:yyyy-MM-dd})");
            }

            foreach (var r in result.Reasons)
            {
                await cli.Out.WriteLineAsync($"  未更高的原因 / why not higher: {r.TextZh}");
            }
        });

        var optIn = WithId(cli, "opt-in", "Opt a resident (18+) in to the score and compute it", async (context, subject, json, parse, ct) =>
        {
            try
            {
                var result = await cli.Get<ScoreService>().OptInAsync(context, subject.Id, "cli", ct);
                await cli.Out.WriteLineAsync(json ? System.Text.Json.JsonSerializer.Serialize(new { result.Score, result.Level }) : $"{subject.IdMasked} 已开通 / opted in: {result.Score} {result.LevelZh}");
            }
            catch (ScoreOptInException ex)
            {
                throw new CliException(ex.Message);
            }
        });

        var optOut = WithId(cli, "opt-out", "Opt out: the score and its history are deleted", async (context, subject, json, parse, ct) =>
        {
            await cli.Get<ScoreService>().OptOutAsync(context, subject.Id, ct);
            await cli.Out.WriteLineAsync($"{subject.IdMasked} 已退出，分值及历史已删除。 / opted out; score and history deleted.");
        });

        var full = new Option<bool>("--full") { Description = "Rescore every opted-in person (required)" };
        var recomputeJson = CommandHelpers.JsonOption();
        var recompute = new Command("recompute", "Rescore every opted-in person with the active model (resumes an interrupted run)") { full, recomputeJson };
        recompute.SetAction(async (parse, ct) =>
        {
            if (!parse.GetValue(full))
            {
                throw new CliException("请加 --full 以重算全部已开通者。 / Say --full to rescore everyone who opted in.");
            }

            var service = cli.Get<ScoreService>();
            var settings = cli.Get<DatabaseSettings>();
            RecomputeReport report;
            if (parse.GetValue(recomputeJson) || Console.IsOutputRedirected || cli.Out != Console.Out)
            {
                report = await service.RecomputeAsync(settings, "recompute", null, ct);
            }
            else
            {
                report = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                        new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"model {service.Model.Version}", maxValue: 1);
                        return await service.RecomputeAsync(settings, "recompute", (done, total) =>
                        {
                            task.MaxValue = Math.Max(1, total);
                            task.Value = done;
                            task.Description = $"model {service.Model.Version}: {done:N0} persons";
                        }, ct);
                    });
            }

            if (parse.GetValue(recomputeJson))
            {
                cli.WriteJson(new { model = service.Model.Version, report.Scored, report.Changed, report.ResumedAfter, report.Seconds });
                return 0;
            }

            await cli.Out.WriteLineAsync($"已按模型 {service.Model.Version} 重算 {report.Scored:N0} 名已开通者" + (report.ResumedAfter > 0 ? "（续跑中断的重算）" : "") +
                $"，{report.Changed:N0} 个分值变化，用时 {report.Seconds:N1} 秒。 / Rescored {report.Scored:N0} opted-in persons with model {service.Model.Version}" +
                (report.ResumedAfter > 0 ? " (resuming an interrupted run)" : "") + $"; {report.Changed:N0} scores moved; {report.Seconds:N1} s.");
            return 0;
        });

        var modelFile = new Option<FileInfo>("--model") { Description = "The draft model file (YAML, as catalog/models/)", Required = true };
        var simulateJson = CommandHelpers.JsonOption();
        var simulate = new Command("simulate", "Run a draft model over everyone who opted in, beside the active one; nothing is stored") { modelFile, simulateJson };
        simulate.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(modelFile)!;
            ScoreModel draft;
            try
            {
                draft = ScoreModelLoader.Load(file.FullName, cli.Get<Shangding.Core.Catalog.CatalogDefinition>());
            }
            catch (Shangding.Core.Catalog.CatalogLoadException ex)
            {
                throw new CliException(ex.Message);
            }

            var active = cli.Get<ScoreService>().Model;
            var report = await Simulation.RunAsync(cli.Get<DatabaseSettings>(), active, draft,
                Shangding.Core.Reporting.ReportingTime.ChinaDate(cli.Get<TimeProvider>().GetUtcNow()), null, ct);
            if (parse.GetValue(simulateJson))
            {
                cli.WriteJson(report);
                return 0;
            }

            await cli.Out.WriteLineAsync($"模型 {report.DraftVersion} 对比现行 {report.ActiveVersion}，{report.Persons:N0} 名已开通者，截至 {report.AsOf:yyyy-MM-dd} / Model {report.DraftVersion} against active {report.ActiveVersion}, {report.Persons:N0} opted-in persons, as of {report.AsOf:yyyy-MM-dd}");
            await cli.Out.WriteLineAsync($"{"level",-18}{"before",10}{"after",10}");
            foreach (var level in Enum.GetValues<ScoreLevel>().Reverse())
            {
                await cli.Out.WriteLineAsync($"{active.Level(level).NameZh,-16}{report.LevelsBefore[level],10:N0}{report.LevelsAfter[level],10:N0}");
            }

            await cli.Out.WriteLineAsync($"上升 {report.MovedUp:N0}，下降 {report.MovedDown:N0}，不变 {report.Unchanged:N0}；等级变化 {report.LevelChanged:N0}；平均变化 {report.MeanChange:+0.00;-0.00;0} / moved up {report.MovedUp:N0}, down {report.MovedDown:N0}, unchanged {report.Unchanged:N0}; level changed for {report.LevelChanged:N0}; mean change {report.MeanChange:+0.00;-0.00;0}");
            foreach (var move in report.LargestMoves)
            {
                await cli.Out.WriteLineAsync($"  {move.SubjectMasked}  {move.Before} → {move.After} ({move.Change:+#;-#})");
            }

            return 0;
        });

        var modelsJson = CommandHelpers.JsonOption();
        var models = new Command("models", "List the score models of catalog/models and which one is active") { modelsJson };
        models.SetAction(async parse =>
        {
            var registry = cli.Get<ScoreModelRegistry>();
            var list = registry.Models.OrderBy(m => m.Version, StringComparer.Ordinal)
                .Select(m => new { m.Version, m.EffectiveFrom, active = m.Version == registry.Active.Version }).ToList();
            if (parse.GetValue(modelsJson))
            {
                cli.WriteJson(list);
                return 0;
            }

            foreach (var m in list)
            {
                await cli.Out.WriteLineAsync($"{(m.active ? "*" : " ")} {m.Version}  生效 / effective {m.EffectiveFrom:yyyy-MM-dd}");
            }

            return 0;
        });

        var version = new Argument<string>("version") { Description = "The model version to activate (see `score models`)" };
        var note = new Option<string?>("--note") { Description = "Why (kept with the audited activation)" };
        var activate = new Command("activate", "Activate a score model: audited; everyone who opted in is queued for rescoring") { version, note };
        activate.SetAction(async (parse, ct) =>
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            try
            {
                await cli.Get<ScoreModelRegistry>().ActivateAsync(context, parse.GetValue(version)!, "cli", parse.GetValue(note), ct);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message);
            }

            await cli.Out.WriteLineAsync($"模型 {parse.GetValue(version)} 已启用，已开通者已排队重算（立即重算请运行 `recompute --full`）。 / Model {parse.GetValue(version)} is active; opted-in persons are queued for rescoring (run `recompute --full` to do it now).");
            return 0;
        });

        show.Options.Add(purpose);
        return [new Command("score", "The Shangding score (商鼎分)") { show, optIn, optOut, models, activate }, recompute, simulate];
    }

    private static Command WithId(CliContext cli, string name, string description, Func<ShangdingDbContext, Subject, bool, ParseResult, CancellationToken, Task> action)
    {
        var id = new Argument<string>("id-number") { Description = "The person's resident ID number (never logged)" };
        var json = CommandHelpers.JsonOption();
        var command = new Command(name, description) { id, json };
        command.SetAction(async (parse, ct) =>
        {
            var typed = IdentifierNormaliser.Normalise(parse.GetValue(id));
            var hash = cli.Get<IdentityProtector>().LookupHash(typed);
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var subject = await context.Subjects.AsNoTracking().SingleOrDefaultAsync(s => s.IdHash == hash, ct)
                ?? throw new CliException(NotOnFile(IdentifierSearch.Check(typed, Shangding.Core.Reporting.ReportingTime.ChinaDate(cli.Get<TimeProvider>().GetUtcNow()))));
            await action(context, subject, parse.GetValue(json), parse, ct);
            return 0;
        });
        return command;
    }

    /// <summary>No subject has the number: and when the number looks mistyped, what looks wrong with it (never the number itself).</summary>
    private static string NotOnFile(IdError problem) => problem == IdError.None
        ? "No subject with that ID number is on file. / 平台上没有该证件号码的主体。"
        : $"No subject with that ID number is on file. {IdErrorMessages.Describe(problem, "en")} / 平台上没有该证件号码的主体。{IdErrorMessages.Describe(problem, "zh-CN")}";
}
