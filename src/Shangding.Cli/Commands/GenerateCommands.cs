using System.CommandLine;
using Shangding.Core.Data;
using Shangding.Core.Generation;
using Spectre.Console;

namespace Shangding.Cli.Commands;

internal static class GenerateCommands
{
    public static Command Build(CliContext cli)
    {
        var persons = new Option<int>("--persons") { Description = "How many persons", Required = true };
        var perPerson = new Option<int>("--records-per-person") { Description = "Mean number of records per person (each gets 0 to twice as many)", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same population", DefaultValueFactory = _ => 20190418 };
        var optedIn = new Option<double>("--opted-in") { Description = "Share of adults who opted in to the score (0–1)", DefaultValueFactory = _ => 0.8 };
        var json = CommandHelpers.JsonOption();
        var generate = new Command("generate", "Write a realistic synthetic population (persons, records, opt-ins) into an empty database, for demos and benchmarks")
        {
            persons, perPerson, seed, optedIn, json,
        };
        generate.SetAction(async (parse, ct) =>
        {
            await cli.Get<SchemaMigrator>().MigrateAsync(ct);
            var options = new GenerationOptions(parse.GetValue(persons), parse.GetValue(perPerson), parse.GetValue(seed), parse.GetValue(optedIn));
            var generator = cli.Get<PopulationGenerator>();
            var settings = cli.Get<DatabaseSettings>();
            GenerationReport report;
            try
            {
                if (parse.GetValue(json) || Console.IsOutputRedirected || cli.Out != Console.Out)
                {
                    report = await generator.GenerateAsync(settings, options, null, ct);
                }
                else
                {
                    report = await AnsiConsole.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                        .StartAsync(async progress =>
                        {
                            var tasks = new Dictionary<string, ProgressTask>();
                            return await generator.GenerateAsync(settings, options, (phase, done, total) =>
                            {
                                if (!tasks.TryGetValue(phase, out var task))
                                {
                                    task = tasks[phase] = progress.AddTask(phase, maxValue: Math.Max(1, total));
                                }

                                task.MaxValue = Math.Max(1, total);
                                task.Value = done;
                                task.Description = phase == "history" ? "history and statistics" : $"{phase}: {done:N0}";
                            }, ct);
                        });
                }
            }
            catch (GenerationException ex)
            {
                throw new CliException(ex.Message);
            }

            if (parse.GetValue(json))
            {
                cli.WriteJson(report);
            }
            else
            {
                await cli.Out.WriteLineAsync($"已生成 {report.Persons:N0} 人、{report.Records:N0} 条记录。 / Generated {report.Persons:N0} persons ({report.OptedIn:N0} opted in) and {report.Records:N0} records " +
                    $"({report.SameActReports:N0} second reports of the same act) in {report.Seconds:N1} s into {settings.Describe()}. Run `recompute --full` to score them.");
            }

            return 0;
        });
        return generate;
    }
}
