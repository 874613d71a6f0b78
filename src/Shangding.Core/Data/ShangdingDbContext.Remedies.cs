using Microsoft.EntityFrameworkCore;

namespace Shangding.Core.Data;

/// <summary>Remedies: disputes, repair, self-reports, notifications, retention (migration 0012).</summary>
public sealed partial class ShangdingDbContext
{
    public DbSet<Dispute> Disputes => Set<Dispute>();
    public DbSet<RemedyFile> RemedyFiles => Set<RemedyFile>();
    public DbSet<RepairApplication> RepairApplications => Set<RepairApplication>();
    public DbSet<SelfReport> SelfReports => Set<SelfReport>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<RetiredRecord> RetiredRecords => Set<RetiredRecord>();

    partial void ConfigureRemedies(ModelBuilder modelBuilder, bool isPostgres)
    {
        modelBuilder.Entity<Dispute>(e =>
        {
            e.ToTable("disputes");
            e.HasKey(d => d.Id);
            e.Property(d => d.Status).HasConversion<string>();
            e.Property(d => d.Outcome).HasConversion<string>();
            e.HasIndex(d => new { d.SubjectId, d.FiledAt });
            e.HasIndex(d => d.RecordId);
        });

        modelBuilder.Entity<RemedyFile>(e =>
        {
            e.ToTable("remedy_files");
            e.HasKey(f => f.Id);
            e.HasIndex(f => new { f.OwnerKind, f.OwnerId });
        });

        modelBuilder.Entity<RepairApplication>(e =>
        {
            e.ToTable("repair_applications");
            e.HasKey(a => a.Id);
            e.Property(a => a.Status).HasConversion<string>();
            e.HasIndex(a => new { a.SubjectId, a.FiledAt });
        });

        modelBuilder.Entity<SelfReport>(e =>
        {
            e.ToTable("self_reports");
            e.HasKey(s => s.Id);
            e.Property(s => s.Status).HasConversion<string>();
            e.HasIndex(s => new { s.SubjectId, s.FiledAt });
        });

        modelBuilder.Entity<Notification>(e =>
        {
            e.ToTable("notifications");
            e.HasKey(n => n.Id);
            e.HasIndex(n => new { n.AccountId, n.CreatedAt });
        });

        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.ToTable("outbox_messages");
            e.HasKey(m => m.Id);
            e.Property(m => m.Status).HasConversion<string>();
            e.HasIndex(m => new { m.Status, m.NextAttemptAt });
        });

        modelBuilder.Entity<RetiredRecord>(e =>
        {
            e.ToTable("retired_records");
            e.HasKey(r => r.RecordId);
            e.HasIndex(r => r.SubjectId);
        });
    }
}
