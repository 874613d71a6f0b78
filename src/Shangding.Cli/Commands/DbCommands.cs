using System.CommandLine;
using Shangding.Core.Data;

namespace Shangding.Cli.Commands;

internal static class DbCommands
{
    public static Command Build(CliContext cli)
    {
        var json = CommandHelpers.JsonOption();
        var migrate = new Command("migrate", "Apply the schema migrations of the configured database") { json };
        migrate.SetAction(async (parse, ct) =>
        {
            var settings = cli.Get<DatabaseSettings>();
            var report = await cli.Get<SchemaMigrator>().MigrateAsync(ct);
            if (parse.GetValue(json))
            {
                cli.WriteJson(new { database = settings.Describe(), provider = settings.Provider, report.NewlyApplied, report.AlreadyApplied, report.Notes });
            }
            else
            {
                await cli.Out.WriteLineAsync($"{settings.Describe()}: applied {report.NewlyApplied.Count} migration(s)" +
                    (report.NewlyApplied.Count > 0 ? $" ({string.Join(", ", report.NewlyApplied)})" : "") +
                    $"; {report.AlreadyApplied.Count} already in place.");
                foreach (var note in report.Notes)
                {
                    await cli.Out.WriteLineAsync(note);
                }
            }

            return 0;
        });

        var statusJson = CommandHelpers.JsonOption();
        var status = new Command("status", "Show which migrations are applied and which are pending") { statusJson };
        status.SetAction(async (parse, ct) =>
        {
            var settings = cli.Get<DatabaseSettings>();
            var migrator = cli.Get<SchemaMigrator>();
            var applied = await migrator.AppliedAsync(ct);
            var pending = migrator.Available.Select(m => m.Version).Except(applied, StringComparer.Ordinal).ToList();
            // Applied by a newer release: this program refuses the database (DatabaseNewerThanProgramException).
            var unknown = applied.Except(migrator.Available.Select(m => m.Version), StringComparer.Ordinal).ToList();
            if (parse.GetValue(statusJson))
            {
                cli.WriteJson(new { database = settings.Describe(), provider = settings.Provider, applied, pending, unknown });
            }
            else
            {
                // Labels in both languages, as the refusals are: an operator's terminal may be either.
                await cli.Out.WriteLineAsync($"{settings.Describe()}");
                await cli.Out.WriteLineAsync($"已应用 / applied: {(applied.Count == 0 ? "无 / none" : string.Join(", ", applied))}");
                await cli.Out.WriteLineAsync($"待应用 / pending: {(pending.Count == 0 ? "无 / none" : string.Join(", ", pending))}");
                if (unknown.Count > 0)
                {
                    await cli.Out.WriteLineAsync("本程序不认识（由较新版本应用，请升级本程序） / unknown to this program (applied by a newer release; upgrade this program): " +
                        string.Join(", ", unknown));
                }
            }

            // 5 as every other command answers a database a newer release migrated (CliApp); 1 when migrations are pending.
            return unknown.Count > 0 ? 5 : pending.Count == 0 ? 0 : 1;
        });

        return new Command("db", "Database schema") { migrate, status };
    }
}
