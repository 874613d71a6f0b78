using Microsoft.EntityFrameworkCore;

namespace Shangding.Core.Data;

public sealed partial class ShangdingDbContext
{
    partial void ConfigureScoring(ModelBuilder modelBuilder, bool isPostgres)
    {
        if (isPostgres)
        {
            // 0010: the explanation is kept as json (text), not jsonb; see the migration.
            modelBuilder.Entity<StoredScore>().Property(s => s.ExplanationJson).HasColumnType("json");
        }
    }
}
