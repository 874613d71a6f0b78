using Microsoft.EntityFrameworkCore;

namespace Shangding.Core.Data;

public sealed partial class ShangdingDbContext
{
    public DbSet<AccessGrant> AccessGrants => Set<AccessGrant>();
    public DbSet<AccessCredential> AccessCredentials => Set<AccessCredential>();
    public DbSet<QueryLogCheckpoint> QueryLogCheckpoints => Set<QueryLogCheckpoint>();
    public DbSet<RecordHistorySeal> RecordHistorySeals => Set<RecordHistorySeal>();

    partial void ConfigureAccess(ModelBuilder modelBuilder, bool isPostgres)
    {
        modelBuilder.Entity<AccessGrant>(e =>
        {
            e.ToTable("access_grants");
            e.HasKey(g => g.Id);
            e.HasIndex(g => g.CodeHash).IsUnique();
            e.HasIndex(g => g.SubjectId);
        });

        modelBuilder.Entity<AccessCredential>(e =>
        {
            e.ToTable("access_credentials");
            e.HasKey(c => c.Id);
            e.HasIndex(c => c.KeyId).IsUnique();
        });

        modelBuilder.Entity<QueryLogCheckpoint>(e =>
        {
            e.ToTable("query_log_checkpoints");
            e.HasKey(c => c.Id);
        });

        modelBuilder.Entity<RecordHistorySeal>(e =>
        {
            e.ToTable("record_history_seals");
            e.HasKey(s => s.Id);
        });
    }
}
