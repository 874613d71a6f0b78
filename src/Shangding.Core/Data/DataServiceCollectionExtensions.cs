using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Shangding.Core.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers the DbContext (factory and scoped) and the settings for the configured provider. The migrator is registered by
    /// <c>AddShangdingCore</c>, which gives it the identity keys a data step may need (migration 0024).
    /// </summary>
    public static IServiceCollection AddShangdingData(this IServiceCollection services, DatabaseSettings settings)
    {
        services.AddSingleton(settings);
        services.AddDbContextFactory<ShangdingDbContext>(options => Configure(options, settings));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ShangdingDbContext>>().CreateDbContext());
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, DatabaseSettings settings)
    {
        switch (settings.Provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(ForeignKeysOn(settings.ConnectionString)).AddInterceptors(SqliteBusyTimeout.Instance);
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(settings.ConnectionString);
                break;
            default:
                throw new InvalidOperationException($"Unknown provider {settings.Provider}");
        }
    }

    /// <summary>Creates a context outside DI (CLI, tests, benchmarks).</summary>
    public static ShangdingDbContext CreateContext(DatabaseSettings settings)
    {
        var builder = new DbContextOptionsBuilder<ShangdingDbContext>();
        Configure(builder, settings);
        return new ShangdingDbContext(builder.Options);
    }

    private static string ForeignKeysOn(string connectionString) =>
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true }.ToString();
}
