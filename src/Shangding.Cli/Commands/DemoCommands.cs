using System.CommandLine;
using Shangding.Core.Data;
using Shangding.Core.Demo;

namespace Shangding.Cli.Commands;

internal static class DemoCommands
{
    public static Command Build(CliContext cli)
    {
        var json = CommandHelpers.JsonOption();
        var persons = new Option<int>("--persons") { Description = "How many synthetic persons", DefaultValueFactory = _ => 300 };
        var seed = new Command("seed", "Fill an empty database with synthetic persons and records (migrates first)") { persons, json };
        seed.SetAction(async (parse, ct) =>
        {
            await cli.Get<SchemaMigrator>().MigrateAsync(ct);
            await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
            var report = await cli.Get<DemoDataSeeder>().SeedAsync(context, parse.GetValue(persons), seed: 20190418, ct);
            if (parse.GetValue(json))
            {
                cli.WriteJson(report);
            }
            else
            {
                await cli.Out.WriteLineAsync(report.Seeded
                    ? $"已写入演示数据：{report.Persons} 人，{report.Records} 条记录。 / Seeded {report.Persons} persons and {report.Records} records."
                    : "数据库中已有主体，未写入演示数据。 / The database already holds subjects; nothing was seeded.");
            }

            return 0;
        });

        return new Command("demo", "Demonstration data") { seed };
    }
}
