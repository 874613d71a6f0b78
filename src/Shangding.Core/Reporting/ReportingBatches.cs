using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Core.Reporting;

/// <summary>Which intake batches count as a report for reporting deadlines (003 §12–13).</summary>
internal static class ReportingBatches
{
    /// <summary>
    /// Committed batches finished by <paramref name="asOfUtc"/> that furnished something or are an explicit nil report
    /// (<see cref="BatchOutcome.Furnished"/>). A batch whose every row was rejected,
    /// or an empty file, furnished nothing and is not a report. Corrections answering a dispute and verified
    /// self-reports are remedies the platform asked for, not the unit's own reports; a correction made on a record's page
    /// changes what was reported before and reports nothing new.
    /// </summary>
    public static IQueryable<IntakeBatch> ThatReport(this IQueryable<IntakeBatch> batches, DateTime asOfUtc) =>
        batches.Where(BatchOutcome.Furnished)
            .Where(b => b.FinishedAt != null && b.FinishedAt <= asOfUtc && b.Channel != IntakeChannels.Dispute && b.Channel != IntakeChannels.SelfReport
                && b.Channel != IntakeChannels.Correction);
}
