using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Audit;
using Shangding.Core.Data;

namespace Shangding.Core.Access;

public static class AccessServices
{
    /// <summary>The access module: policy, query log (with its checkpoint key), verifier, grants, benefits, queries.</summary>
    public static IServiceCollection AddShangdingAccess(this IServiceCollection services, IConfiguration configuration, ShangdingPaths paths, DatabaseSettings database)
    {
        var allowGenerated = configuration.GetValue<bool?>(ShangdingCoreServices.AllowGeneratedKeysSetting) ?? database.Provider == DatabaseProvider.Sqlite;
        services.AddSingleton(_ => QueryLogKey.Load(configuration, Path.Combine(paths.DataDirectory, "dev-query-log-key"), allowGenerated));
        services.AddSingleton(sp => new QueryLog(database, sp.GetRequiredService<QueryLogKey>(), sp.GetRequiredService<TimeProvider>())
        {
            CheckpointEvery = configuration.GetValue("Access:QueryLogCheckpointEvery", 1000),
        });
        services.AddSingleton(sp => new AuditVerifier(database, sp.GetRequiredService<QueryLogKey>()));
        services.AddSingleton(sp =>
        {
            var model = sp.GetRequiredService<Scoring.ScoreModelRegistry>().Active;
            return new AccessPolicy(model.PublicationMonths, model.BadRecordMaxYears);
        });
        services.AddSingleton(_ => BenefitCatalog.Load(paths.CatalogDirectory));
        services.AddSingleton<GrantService>();
        services.AddSingleton<AccessCredentials>();
        services.AddSingleton<CreditQueries>();
        services.AddSingleton<PublicInformation>();
        return services;
    }
}
