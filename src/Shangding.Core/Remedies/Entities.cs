namespace Shangding.Core.Data;

/// <summary>Where a dispute stands (003 §23): filed with the centre, forwarded to the unit, answered by it, closed when the applicant is told.</summary>
public enum DisputeStatus
{
    Filed,
    Forwarded,
    Answered,
    Closed,
}

/// <summary>What the furnishing unit found (003 §23): the record was wrong and is corrected or withdrawn, or it stands.</summary>
public enum DisputeOutcome
{
    Corrected,
    Withdrawn,
    Upheld,
}

/// <summary>
/// A subject's dispute (异议) of one of their records, with its three working-day deadlines: the
/// centre forwards within 3, the unit verifies within 15 of receiving it, the applicant is told within 2.
/// </summary>
public sealed class Dispute
{
    public long Id { get; set; }
    public long RecordId { get; set; }
    public long SubjectId { get; set; }
    public required string UnitCode { get; set; }
    public required string CategoryCode { get; set; }
    public long? ApplicantAccountId { get; set; }
    public required string Reason { get; set; }
    public DisputeStatus Status { get; set; }
    public DateTime FiledAt { get; set; }
    public DateOnly ForwardDue { get; set; }
    public DateTime? ForwardedAt { get; set; }
    public string? ForwardedBy { get; set; }
    public DateOnly? AnswerDue { get; set; }
    public DateTime? AnsweredAt { get; set; }
    public string? AnsweredBy { get; set; }
    public DisputeOutcome? Outcome { get; set; }

    /// <summary>The unit's reasons (required when the record is upheld) or note on the correction.</summary>
    public string? AnswerText { get; set; }

    /// <summary>The intake batch that corrected or withdrew the record.</summary>
    public long? BatchId { get; set; }

    public DateOnly? NotifyDue { get; set; }
    public DateTime? NotifiedAt { get; set; }
    public string? NotifiedBy { get; set; }

    /// <summary>Steps already reported overdue to operators (comma-separated: forward, answer, notify), so each is flagged once.</summary>
    public string? OverdueFlagged { get; set; }
}

/// <summary>An evidence or proof file (pdf, jpg, png) of a dispute, repair application or self-report, stored with it.</summary>
public sealed class RemedyFile
{
    public long Id { get; set; }

    /// <summary><c>dispute</c>, <c>repair</c> or <c>self-report</c>.</summary>
    public required string OwnerKind { get; set; }

    public long OwnerId { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public long SizeBytes { get; set; }
    public required string Sha256 { get; set; }
    public required byte[] Content { get; set; }
    public DateTime UploadedAt { get; set; }
}

public enum ApplicationStatus
{
    Pending,
    Approved,
    Refused,
}

/// <summary>A credit repair application (信用修复申请, 002 §7, NDRC Order No. 36): proof of having met the obligation and a credit commitment.</summary>
public sealed class RepairApplication
{
    public long Id { get; set; }
    public long RecordId { get; set; }
    public long SubjectId { get; set; }
    public required string UnitCode { get; set; }
    public long? ApplicantAccountId { get; set; }
    public required string Statement { get; set; }

    /// <summary>The credit commitment (信用承诺) the applicant agreed to, as shown to them.</summary>
    public required string Commitment { get; set; }

    public ApplicationStatus Status { get; set; }
    public DateTime FiledAt { get; set; }
    public DateTime? DecidedAt { get; set; }
    public string? DecidedBy { get; set; }
    public string? DecisionReason { get; set; }

    /// <summary>The last working day for the decision (<see cref="Remedies.DecisionDeadlines"/>); null only for applications filed before migration 0014 until the next daily run.</summary>
    public DateOnly? DecisionDue { get; set; }

    /// <summary>When operators were told the decision is overdue (once).</summary>
    public DateTime? OverdueFlaggedAt { get; set; }
}

/// <summary>A resident's report of their own good deed (004 §5), reviewed by the category's responsible unit.</summary>
public sealed class SelfReport
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    public long SubjectId { get; set; }
    public required string CategoryCode { get; set; }
    public required string UnitCode { get; set; }
    public required string Name { get; set; }

    /// <summary>'M' or 'F'.</summary>
    public required string Sex { get; set; }

    public DateOnly ActDate { get; set; }
    public required string Matter { get; set; }
    public ApplicationStatus Status { get; set; }
    public DateTime FiledAt { get; set; }
    public DateTime? DecidedAt { get; set; }
    public string? DecidedBy { get; set; }
    public string? DecisionReason { get; set; }
    public long? RecordId { get; set; }
    public long? BatchId { get; set; }

    /// <summary>The last working day for the unit's review (<see cref="Remedies.DecisionDeadlines"/>); null only for reports filed before migration 0014 until the next daily run.</summary>
    public DateOnly? DecisionDue { get; set; }

    /// <summary>When operators were told the review is overdue (once).</summary>
    public DateTime? OverdueFlaggedAt { get; set; }
}

/// <summary>A message in an account's inbox, in both languages.</summary>
public sealed class Notification
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    public required string Kind { get; set; }
    public required string TitleZh { get; set; }
    public required string TitleEn { get; set; }
    public required string BodyZh { get; set; }
    public required string BodyEn { get; set; }
    public string? Link { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ReadAt { get; set; }
}

public enum OutboxStatus
{
    Pending,
    Sent,

    /// <summary>Gave up after the last attempt; shown to operators.</summary>
    Failed,
}

/// <summary>A message waiting for (or done with) delivery through an SMS or e-mail gateway: delivered at least once.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public long? NotificationId { get; set; }

    /// <summary><c>sms</c> or <c>email</c>: the gateway that delivers it.</summary>
    public required string Channel { get; set; }

    /// <summary><c>account:{id}</c>, or <c>org:{name}</c> for a body without an account.</summary>
    public required string Recipient { get; set; }

    public required string Title { get; set; }
    public required string Body { get; set; }
    public OutboxStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime? LockedUntil { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
}

/// <summary>A bad record about a person past the 5-year retention period (003 §20): no longer used or shown.</summary>
public sealed class RetiredRecord
{
    public long RecordId { get; set; }
    public long SubjectId { get; set; }
    public required string Reason { get; set; }
    public DateTime At { get; set; }
}
