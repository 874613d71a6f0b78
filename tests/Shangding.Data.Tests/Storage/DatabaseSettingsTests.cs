using Microsoft.Extensions.Configuration;
using Shangding.Core.Data;

namespace Shangding.Data.Tests.Storage;

public sealed class DatabaseSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Default_IsSqliteUnderTheContentRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "sd-settings-" + Guid.NewGuid().ToString("N"));
        var settings = DatabaseSettings.FromConfiguration(Config(), root);
        settings.Provider.ShouldBe(DatabaseProvider.Sqlite);
        settings.ConnectionString.ShouldContain(Path.Combine(root, "App_Data", "shangding.db"));
        Directory.Exists(Path.Combine(root, "App_Data")).ShouldBeTrue();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void Postgres_IsChosenByProviderAndConnectionString()
    {
        var settings = DatabaseSettings.FromConfiguration(
            Config(("Database:Provider", "postgres"), ("ConnectionStrings:Shangding", "Host=db;Database=sd;Username=u;Password=secret")), "/tmp");
        settings.Provider.ShouldBe(DatabaseProvider.Postgres);
        settings.Describe().ShouldNotContain("secret");
        settings.Describe().ShouldContain("Database=sd");
    }

    [Fact]
    public void Postgres_WithoutConnectionString_IsRefusedWithAClearMessage()
    {
        var ex = Should.Throw<InvalidOperationException>(() =>
            DatabaseSettings.FromConfiguration(Config(("Database:Provider", "Postgres")), "/tmp"));
        ex.Message.ShouldContain("ConnectionStrings:Shangding");
    }

    [Fact]
    public void MigrationLockTimeout_IsFiveSecondsUnlessConfigured()
    {
        DatabaseSettings.FromConfiguration(Config(), "/tmp").MigrationLockTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        new DatabaseSettings(DatabaseProvider.Postgres, "Host=h").MigrationLockTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        DatabaseSettings.FromConfiguration(Config(("Database:MigrationLockTimeoutSeconds", "2.5")), "/tmp")
            .MigrationLockTimeout.ShouldBe(TimeSpan.FromSeconds(2.5));
        foreach (var wrong in new[] { "0", "-1", "soon" })
        {
            Should.Throw<InvalidOperationException>(() =>
                    DatabaseSettings.FromConfiguration(Config(("Database:MigrationLockTimeoutSeconds", wrong)), "/tmp"))
                .Message.ShouldContain("Database:MigrationLockTimeoutSeconds");
        }
    }

    [Fact]
    public void UnknownProvider_IsRefusedNamingTheChoices()
    {
        var ex = Should.Throw<InvalidOperationException>(() =>
            DatabaseSettings.FromConfiguration(Config(("Database:Provider", "Oracle")), "/tmp"));
        ex.Message.ShouldContain("Sqlite");
        ex.Message.ShouldContain("Postgres");
    }

    [Fact]
    public void EnvironmentVariableForms_AreRead()
    {
        Environment.SetEnvironmentVariable("SDTEST_Database__Provider", "Postgres");
        Environment.SetEnvironmentVariable("SDTEST_ConnectionStrings__Shangding", "Host=h;Database=d;Username=u");
        try
        {
            var config = new ConfigurationBuilder().AddEnvironmentVariables("SDTEST_").Build();
            DatabaseSettings.FromConfiguration(config, "/tmp").Provider.ShouldBe(DatabaseProvider.Postgres);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SDTEST_Database__Provider", null);
            Environment.SetEnvironmentVariable("SDTEST_ConnectionStrings__Shangding", null);
        }
    }
}
