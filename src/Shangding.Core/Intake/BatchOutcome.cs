using System.Linq.Expressions;
using Shangding.Core.Data;

namespace Shangding.Core.Intake;

/// <summary>
/// Whether a batch furnished something: the one rule the batch pages, the operator's batch list and reporting
/// deadlines (003 §12–13) share.
/// </summary>
public static class BatchOutcome
{
    /// <summary>
    /// Committed, and a row created, updated, unchanged or withdrawn — or an explicit nil report (本期无新增信息). A
    /// committed batch whose every row was rejected, or a file without data rows, furnished nothing. As an expression,
    /// for queries.
    /// </summary>
    public static readonly Expression<Func<IntakeBatch, bool>> Furnished = b => b.Status == BatchStatus.Committed
        && (b.Created + b.Updated + b.Unchanged + b.Withdrawn > 0 || b.Channel == IntakeChannels.NilReport);

    /// <summary>Committed without having furnished anything (the negation of <see cref="Furnished"/> among committed batches).</summary>
    public static readonly Expression<Func<IntakeBatch, bool>> CommittedNothing = Expression.Lambda<Func<IntakeBatch, bool>>(
        Expression.AndAlso(
            Expression.Equal(Expression.Property(Furnished.Parameters[0], nameof(IntakeBatch.Status)), Expression.Constant(BatchStatus.Committed)),
            Expression.Not(Furnished.Body)),
        Furnished.Parameters);

    private static readonly Func<IntakeBatch, bool> FurnishedCompiled = Furnished.Compile();

    /// <summary><see cref="Furnished"/> for a batch in memory.</summary>
    public static bool HasFurnished(this IntakeBatch batch) => FurnishedCompiled(batch);
}
