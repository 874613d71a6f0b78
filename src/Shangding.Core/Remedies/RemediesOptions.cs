namespace Shangding.Core.Remedies;

/// <summary>Limits and settings of the remedies module (configuration section <c>Remedies</c>).</summary>
public sealed class RemediesOptions
{
    public const string SectionName = "Remedies";

    /// <summary>Largest evidence file accepted.</summary>
    public long MaxFileBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Most files on one dispute, repair application or self-report.</summary>
    public int MaxFiles { get; set; } = 5;

    /// <summary>Longest free text (reasons, statements, matters).</summary>
    public int MaxTextLength { get; set; } = 2000;

    /// <summary>How far back the query log is read for those to notify after a correction (003 §24).</summary>
    public int RecipientMonths { get; set; } = 6;

    /// <summary>Retention of bad information about persons and of the query log, in years (003 §19–20).</summary>
    public int RetentionYears { get; set; } = 5;

    /// <summary>
    /// Working days after the day of filing within which a repair application is decided. The seeds set
    /// no period; 15 is the period 003 §23 gives a furnishing unit to verify a dispute (docs/REMEDIES.md).
    /// </summary>
    public int RepairDecisionDays { get; set; } = 15;

    /// <summary>Working days after the day of filing within which the responsible unit reviews a self-report (no period in the seeds; as above).</summary>
    public int SelfReportReviewDays { get; set; } = 15;

    /// <summary>Delivery attempts of an outbox message before it is given up and shown as failed.</summary>
    public int MaxDeliveryAttempts { get; set; } = 8;
}
