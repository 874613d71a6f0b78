using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Demo;
using Shangding.Core.Intake;
using Shangding.Core.Reporting;
using Shangding.Core.Subjects;

namespace Shangding.Core;

public static class ShangdingCoreServices
{
    public const string AllowGeneratedKeysSetting = "Security:AllowGeneratedDevelopmentKeys";

    /// <summary>
    /// Registers what web app and CLI share: paths, database, catalogue, working-day calendar,
    /// identity protection and the clock. The catalogue and calendar are loaded here, so a bad
    /// definition stops the program at start with the loader's message.
    /// </summary>
    public static IServiceCollection AddShangdingCore(this IServiceCollection services, IConfiguration configuration)
    {
        var paths = ShangdingPaths.FromConfiguration(configuration);
        var database = DatabaseSettings.FromConfiguration(configuration, paths);
        services.AddSingleton(paths);
        services.AddShangdingData(database);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => CatalogLoader.Load(paths.CatalogDirectory));
        services.AddSingleton(_ => CalendarStore.LoadDirectory(paths.CalendarDirectory));
        services.AddSingleton(_ => new IdentityProtector(LoadKeys(configuration, paths, database)));
        // The migrator asks for the identity keys only when a data step has stored data to change (migration 0024).
        services.AddSingleton(sp => new SchemaMigrator(database, sp.GetRequiredService<IdentityProtector>));
        services.AddSingleton<DemoDataSeeder>();
        services.AddSingleton<Scoring.ScoreModelRegistry>();
        services.AddSingleton<Scoring.ScoreService>();
        services.AddSingleton<Generation.PopulationGenerator>();
        services.AddSingleton<IntakeService>();
        services.AddSingleton(new Intake.Files.IntakeFileLimits(
            configuration.GetValue("Intake:MaxFileBytes", Intake.Files.IntakeFileLimits.Default.MaxFileBytes),
            configuration.GetValue("Intake:MaxUncompressedBytes", Intake.Files.IntakeFileLimits.Default.MaxUncompressedBytes),
            configuration.GetValue("Intake:MaxCompressionRatio", Intake.Files.IntakeFileLimits.Default.MaxCompressionRatio),
            configuration.GetValue("Intake:MaxRows", Intake.Files.IntakeFileLimits.Default.MaxRows),
            configuration.GetValue("Intake:MaxColumns", Intake.Files.IntakeFileLimits.Default.MaxColumns),
            configuration.GetValue("Intake:MaxCellCharacters", Intake.Files.IntakeFileLimits.Default.MaxCellCharacters),
            configuration.GetValue("Intake:MaxSharedStrings", Intake.Files.IntakeFileLimits.Default.MaxSharedStrings)));
        services.AddSingleton<FileImport>();
        services.AddSingleton<UnitCredentials>();
        services.AddShangdingAccess(configuration, paths, database);
        services.AddSingleton(configuration.GetSection(ReportingOptions.SectionName).Get<ReportingOptions>() ?? new ReportingOptions());
        Remedies.RemediesServices.AddShangdingRemedies(services, configuration);
        return services;
    }

    /// <summary>
    /// Keys from configuration; where none are configured and generation is allowed (by default on
    /// SQLite, the development engine), a development key pair is generated once under App_Data.
    /// </summary>
    public static IdentityProtectionKeys LoadKeys(IConfiguration configuration, ShangdingPaths paths, DatabaseSettings database)
    {
        var allow = configuration.GetValue<bool?>(AllowGeneratedKeysSetting) ?? database.Provider == DatabaseProvider.Sqlite;
        return IdentityKeyStore.LoadOrCreate(configuration, Path.Combine(paths.DataDirectory, "dev-keys.json"), allow);
    }
}
