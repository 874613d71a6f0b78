using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Cli.Commands;
using Shangding.Core;

namespace Shangding.Cli;

/// <summary>
/// What every command gets: the shared services (resolved lazily, so <c>catalog list</c> needs no
/// database), the output writers and the JSON settings for <c>--json</c>.
/// </summary>
public sealed class CliContext(IServiceProvider services, TextWriter output, TextWriter error)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public IServiceProvider Services { get; } = services;
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, Json));
}

public static class CliApp
{
    /// <summary>
    /// Runs the CLI. Configuration is read as the web app reads it: <c>appsettings.json</c> in the
    /// current directory (optional), then environment variables (<c>Database__Provider</c>,
    /// <c>ConnectionStrings__Shangding</c>…), then <paramref name="overrides"/> (tests).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
            .Build();

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddShangdingCore(configuration);
        await using var provider = services.BuildServiceProvider();
        var context = new CliContext(provider, output, error);

        var root = new RootCommand("Shangding — Zhengzhou public credit information platform and Shangding score (商鼎分)")
        {
            IntakeCommands.Build(context).ElementAt(0),
            IntakeCommands.Build(context).ElementAt(1),
            DbCommands.Build(context),
            CatalogCommands.Build(context),
            CalendarCommands.Build(context),
            DemoCommands.Build(context),
            UnitCommands.Build(context),
            ReportingCommands.Build(context),
            ScoreCommands.Build(context).ElementAt(0),
            ScoreCommands.Build(context).ElementAt(1),
            ScoreCommands.Build(context).ElementAt(2),
            GenerateCommands.Build(context),
            AuditCommands.Build(context),
            AccessCommands.Build(context),
            AccountCommands.Build(context),
        };
        foreach (var command in RemedyCommands.Build(context)) root.Subcommands.Add(command);

        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count == 0 && parsed.Action is not System.CommandLine.Help.HelpAction && UsesTheDatabaseUnmigrated(parsed, root))
            {
                await RefuseANewerDatabaseAsync(provider);
            }

            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ex.ExitCode;
        }
        catch (Core.Data.DatabaseNewerThanProgramException ex)
        {
            // A code of its own: an old release left in a cron job is told apart from audit verify's tampering (3).
            await error.WriteLineAsync(ex.Message);
            return 5;
        }
        catch (Exception ex) when (ex is Core.Intake.BatchContendedException or Core.Intake.RecordCreatedMeanwhileException)
        {
            // The batch was refused whole (another writer in the way): like a refused file, send it again.
            await error.WriteLineAsync(ex.Message);
            return 4;
        }
        catch (Exception ex) when (ex is Core.Catalog.CatalogLoadException or Core.Calendar.CalendarDataException or InvalidOperationException)
        {
            // Configuration and data-file problems: the message says what to fix.
            await error.WriteLineAsync(ex.Message);
            return 3;
        }
    }

    // Top-level commands that do not read the database (catalog, calendar, template), that migrate it first, which
    // refuses a database a newer release migrated (import, demo, generate), or that report on it themselves (db).
    private static readonly HashSet<string> SchemaCheckedElsewhere = new(StringComparer.Ordinal) { "catalog", "calendar", "template", "db", "import", "demo", "generate" };

    private static bool UsesTheDatabaseUnmigrated(ParseResult parsed, RootCommand root)
    {
        SymbolResult? result = parsed.CommandResult;
        while (result?.Parent is CommandResult parent && parent.Command != root)
        {
            result = parent;
        }

        return result is CommandResult top && top.Command != root && !SchemaCheckedElsewhere.Contains(top.Command.Name);
    }

    /// <summary>
    /// Every other command reads or writes the database without migrating it: on a database a newer release migrated
    /// it would write rows the newer schema does not expect, so it stops first (exit 5, the reason in both languages).
    /// A database that cannot be opened is left to the command, which says so as before.
    /// </summary>
    private static async Task RefuseANewerDatabaseAsync(IServiceProvider provider)
    {
        try
        {
            await provider.GetRequiredService<Core.Data.SchemaMigrator>().EnsureNotNewerAsync();
        }
        catch (System.Data.Common.DbException)
        {
            // Unreachable or unreadable: the command's own first query reports it.
        }
    }
}

/// <summary>A refusal the user can act on: printed without a stack trace.</summary>
public sealed class CliException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
