using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Shangding.Core.Data;

/// <summary>
/// The platform's tables. The schema itself is created by the versioned SQL migrations under
/// <c>Data/Migrations/{Sqlite,Postgres}</c>; this model maps onto it (snake_case names).
/// </summary>
public sealed partial class ShangdingDbContext(DbContextOptions<ShangdingDbContext> options) : DbContext(options)
{
    public DbSet<Unit> Units => Set<Unit>();
    public DbSet<Subject> Subjects => Set<Subject>();
    public DbSet<CreditRecord> Records => Set<CreditRecord>();
    public DbSet<RecordChange> RecordChanges => Set<RecordChange>();
    public DbSet<IntakeBatch> IntakeBatches => Set<IntakeBatch>();
    public DbSet<IntakeReject> IntakeRejects => Set<IntakeReject>();
    public DbSet<IntakeBatchCategory> IntakeBatchCategories => Set<IntakeBatchCategory>();
    public DbSet<UnitCredential> UnitCredentials => Set<UnitCredential>();
    public DbSet<RescoreMark> RescoreQueue => Set<RescoreMark>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<ScoreOptIn> ScoreOptIns => Set<ScoreOptIn>();
    public DbSet<StoredScore> Scores => Set<StoredScore>();
    public DbSet<ScoreChange> ScoreHistory => Set<ScoreChange>();
    public DbSet<ModelActivation> ModelActivations => Set<ModelActivation>();
    public DbSet<ReportingReminder> ReportingReminders => Set<ReportingReminder>();
    public DbSet<QueryLogEntry> QueryLog => Set<QueryLogEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var isPostgres = Database.IsNpgsql();

        modelBuilder.Entity<Unit>(e =>
        {
            e.ToTable("units");
            e.HasKey(u => u.Code);
        });

        modelBuilder.Entity<Subject>(e =>
        {
            e.ToTable("subjects");
            e.HasKey(s => s.Id);
            e.Property(s => s.Kind).HasConversion<string>();
            e.HasIndex(s => s.IdHash).IsUnique();
        });

        modelBuilder.Entity<CreditRecord>(e =>
        {
            e.ToTable("credit_records");
            e.HasKey(r => r.Id);
            e.Property(r => r.Status).HasConversion<string>();
            e.Property(r => r.FieldsJson).HasColumnName("fields");
            if (isPostgres)
            {
                e.Property(r => r.FieldsJson).HasColumnType("jsonb");
            }

            e.HasIndex(r => new { r.UnitCode, r.RecordKey }).IsUnique();
            e.HasIndex(r => new { r.SubjectId, r.CategoryCode });
        });

        modelBuilder.Entity<RecordChange>(e =>
        {
            e.ToTable("record_changes");
            e.HasKey(c => c.Id);
            e.Property(c => c.Action).HasConversion<string>();
            e.Property(c => c.BeforeJson).HasColumnName("before");
            e.Property(c => c.AfterJson).HasColumnName("after");
            if (isPostgres)
            {
                e.Property(c => c.BeforeJson).HasColumnType("jsonb");
                e.Property(c => c.AfterJson).HasColumnType("jsonb");
            }

            e.HasIndex(c => new { c.SubjectId, c.RecordId });
        });

        modelBuilder.Entity<IntakeBatch>(e =>
        {
            e.ToTable("intake_batches");
            e.HasKey(b => b.Id);
            e.Property(b => b.Status).HasConversion<string>();
            e.Property(b => b.HeaderCellsJson).HasColumnName("header_cells");
            e.Property(b => b.WarningsJson).HasColumnName("warnings");
            if (isPostgres)
            {
                e.Property(b => b.HeaderCellsJson).HasColumnType("jsonb");
                e.Property(b => b.WarningsJson).HasColumnType("jsonb");
            }
        });

        modelBuilder.Entity<IntakeBatchCategory>(e =>
        {
            e.ToTable("intake_batch_categories");
            e.HasKey(c => new { c.BatchId, c.CategoryCode });
        });

        modelBuilder.Entity<IntakeReject>(e =>
        {
            e.ToTable("intake_rejects");
            e.HasKey(r => new { r.BatchId, r.RowNumber });
            e.Property(r => r.CellsJson).HasColumnName("cells");
            e.Property(r => r.ReasonsJson).HasColumnName("reasons");
            if (isPostgres)
            {
                e.Property(r => r.CellsJson).HasColumnType("jsonb");
                e.Property(r => r.ReasonsJson).HasColumnType("jsonb");
            }
        });

        modelBuilder.Entity<UnitCredential>(e =>
        {
            e.ToTable("unit_credentials");
            e.HasKey(c => c.Id);
            e.HasIndex(c => c.KeyId).IsUnique();
        });

        modelBuilder.Entity<RescoreMark>(e =>
        {
            e.ToTable("rescore_queue");
            e.HasKey(m => m.SubjectId);
        });

        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_entries");
            e.HasKey(a => a.Id);
        });

        modelBuilder.Entity<Account>(e =>
        {
            e.ToTable("accounts");
            e.HasKey(a => a.Id);
        });

        modelBuilder.Entity<ReportingReminder>(e =>
        {
            e.ToTable("reporting_reminders");
            e.HasKey(r => r.Id);
            e.HasIndex(r => new { r.UnitCode, r.CategoryCode, r.PeriodStart }).IsUnique();
        });

        modelBuilder.Entity<ScoreOptIn>(e =>
        {
            e.ToTable("score_opt_ins");
            e.HasKey(o => o.SubjectId);
        });

        modelBuilder.Entity<StoredScore>(e =>
        {
            e.ToTable("scores");
            e.HasKey(s => s.SubjectId);
            e.Property(s => s.ExplanationJson).HasColumnName("explanation");
            if (isPostgres)
            {
                e.Property(s => s.ExplanationJson).HasColumnType("jsonb");
            }
        });

        modelBuilder.Entity<ScoreChange>(e =>
        {
            e.ToTable("score_history");
            e.HasKey(c => c.Id);
        });

        modelBuilder.Entity<ModelActivation>(e =>
        {
            e.ToTable("score_model_activations");
            e.HasKey(a => a.Id);
        });

        modelBuilder.Entity<QueryLogEntry>(e =>
        {
            e.ToTable("query_log");
            e.HasKey(q => q.Id);
            e.Property(q => q.Outcome).HasConversion<string>();
            e.HasIndex(q => new { q.SubjectId, q.At });
        });

        // Each module maps its own tables in its own file (ShangdingDbContext.<Module>.cs).
        ConfigureAccess(modelBuilder, isPostgres);
        ConfigureRemedies(modelBuilder, isPostgres);
        ConfigureScoring(modelBuilder, isPostgres);

        ApplySnakeCase(modelBuilder);
    }

    /// <summary>Access module: grants, letters, benefits (ShangdingDbContext.Access.cs).</summary>
    partial void ConfigureAccess(ModelBuilder modelBuilder, bool isPostgres);

    /// <summary>Remedies module: disputes, repair, self-reports, notifications (ShangdingDbContext.Remedies.cs).</summary>
    partial void ConfigureRemedies(ModelBuilder modelBuilder, bool isPostgres);

    /// <summary>Further scoring tables (ShangdingDbContext.Scoring.cs).</summary>
    partial void ConfigureScoring(ModelBuilder modelBuilder, bool isPostgres);

    private static void ApplySnakeCase(ModelBuilder modelBuilder)
    {
        foreach (IMutableEntityType entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                if (property.GetColumnName() == property.Name)
                {
                    property.SetColumnName(ToSnakeCase(property.Name));
                }
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
