using Shangding.Core.Catalog;

namespace Shangding.Core.Data;

/// <summary>A reporting unit (信用信息提供单位) as the database knows it; its definition comes from the catalogue.</summary>
public sealed class Unit
{
    public required string Code { get; set; }
    public required string NameZh { get; set; }
    public required string NameEn { get; set; }

    /// <summary>Connected by system integration: its reporting deadline is daily (003 §12(2)).</summary>
    public bool ApiConnected { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A credit subject (信用主体). The identifier is never stored in clear: <see cref="IdCipher"/> holds it
/// encrypted, <see cref="IdHash"/> is a keyed hash for look-up and <see cref="IdMasked"/> the masked form
/// shown in every view that is not the subject's own.
/// </summary>
public sealed class Subject
{
    public long Id { get; set; }
    public SubjectKind Kind { get; set; }

    /// <summary>Certificate type code (e.g. <c>ResidentId</c>, <c>Passport</c>, <c>Uscc</c>).</summary>
    public required string CertType { get; set; }

    public required string IdHash { get; set; }
    public required string IdCipher { get; set; }
    public required string IdMasked { get; set; }
    public required string Name { get; set; }
    public DateOnly? BirthDate { get; set; }

    /// <summary>'M' or 'F' where the identifier tells it.</summary>
    public string? Sex { get; set; }

    /// <summary>Set when a unit furnished this identifier with a different name; the name on file is kept.</summary>
    public bool NameConflict { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public enum RecordStatus
{
    /// <summary>In force: counts, is shown and (by class) disclosed.</summary>
    InForce,

    /// <summary>Withdrawn by the furnishing unit or after a dispute.</summary>
    Withdrawn,

    /// <summary>Credit repair approved: no longer published or scored.</summary>
    Repaired,

    /// <summary>Past its publication or retention period.</summary>
    Expired,
}

/// <summary>
/// The current state of one credit record. Category-specific fields live in <see cref="FieldsJson"/>
/// (jsonb on PostgreSQL, JSON text on SQLite), validated against the catalogue at intake.
/// </summary>
public sealed class CreditRecord
{
    public long Id { get; set; }
    public long SubjectId { get; set; }
    public required string UnitCode { get; set; }
    public required string CategoryCode { get; set; }

    /// <summary>The furnishing unit's own key for the record: re-sending it updates (003 §12(2)).</summary>
    public required string RecordKey { get; set; }

    /// <summary>Date of the act or of the decision.</summary>
    public DateOnly? ActDate { get; set; }

    public string? Severity { get; set; }
    public RecordStatus Status { get; set; }
    public required string FieldsJson { get; set; }

    /// <summary>Hash of the normalised content, so re-sending the same record is recognised as unchanged.</summary>
    public required string ContentHash { get; set; }

    public DateOnly? PublicationEnd { get; set; }
    public bool UnderDispute { get; set; }
    public int Version { get; set; }
    public long? BatchId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public enum RecordAction
{
    Created,
    Updated,
    Withdrawn,
    Restored,
    Repaired,
    Expired,
}

/// <summary>One append-only change of a credit record: who, when, through which channel, before and after.</summary>
public sealed class RecordChange
{
    public long Id { get; set; }
    public long SubjectId { get; set; }
    public long RecordId { get; set; }
    public int Version { get; set; }
    public RecordAction Action { get; set; }

    /// <summary><c>api</c>, <c>batch</c>, <c>form</c>, <c>system</c>, <c>demo</c>…</summary>
    public required string Channel { get; set; }

    public long? BatchId { get; set; }
    public required string Actor { get; set; }
    public DateTime At { get; set; }
    public string? BeforeJson { get; set; }
    public string? AfterJson { get; set; }
}

public enum BatchStatus
{
    /// <summary>Being read and validated; nothing of it is visible yet.</summary>
    Running,

    /// <summary>Its accepted rows are stored (all together).</summary>
    Committed,

    /// <summary>Refused as a whole (bad file, prohibited column…) or failed; nothing of it was stored.</summary>
    Refused,
}

/// <summary>One intake batch: a file, an API call or a form entry, with what became of its rows.</summary>
public sealed class IntakeBatch
{
    public long Id { get; set; }
    public required string UnitCode { get; set; }
    public string? CategoryCode { get; set; }

    /// <summary><c>api</c>, <c>batch</c> (file upload or CLI import) or <c>form</c>.</summary>
    public required string Channel { get; set; }

    public string? FileName { get; set; }
    public string? FileSha256 { get; set; }
    public string? IdempotencyKey { get; set; }
    public BatchStatus Status { get; set; }
    public int TotalRows { get; set; }
    public int Created { get; set; }
    public int Updated { get; set; }
    public int Unchanged { get; set; }
    public int Withdrawn { get; set; }
    public int Rejected { get; set; }

    /// <summary>Why the whole batch was refused, in Chinese and English.</summary>
    public string? Message { get; set; }

    public required string Actor { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>The uploaded file's header titles (JSON array), so the rejects file has the same columns.</summary>
    public string? HeaderCellsJson { get; set; }

    /// <summary>Warnings about the file (ignored columns, hidden sheets…), JSON array of "中文 / English".</summary>
    public string? WarningsJson { get; set; }

    /// <summary>What the clerk wrote about the batch: why a record was withdrawn or corrected on its page.</summary>
    public string? Note { get; set; }

    /// <summary>The process that runs (or ran) the batch, as <see cref="Shangding.Core.Intake.BatchRunner"/> writes it.</summary>
    public string? Runner { get; set; }
}

/// <summary>
/// A category a batch that names none (an API request mixing categories) furnished something in: created, updated,
/// unchanged or withdrawn. For reporting deadlines such a batch counts only for these (a batch that furnished one
/// category names it in <see cref="IntakeBatch.CategoryCode"/> instead).
/// </summary>
public sealed class IntakeBatchCategory
{
    public long BatchId { get; set; }
    public required string CategoryCode { get; set; }
}

/// <summary>A rejected row as it was uploaded, with the reasons (JSON) — the content of the rejects file.</summary>
public sealed class IntakeReject
{
    public long BatchId { get; set; }
    public int RowNumber { get; set; }
    public string? RecordKey { get; set; }
    public required string CellsJson { get; set; }
    public required string ReasonsJson { get; set; }
}

/// <summary>A reporting unit's API credential: the secret is shown once and stored only as a hash.</summary>
public sealed class UnitCredential
{
    public long Id { get; set; }
    public required string UnitCode { get; set; }
    public required string KeyId { get; set; }
    public required string SecretHash { get; set; }

    /// <summary>Category codes the credential may furnish, comma-separated.</summary>
    public required string Categories { get; set; }

    public required string Label { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

/// <summary>A subject whose records changed and who is due for rescoring.</summary>
public sealed class RescoreMark
{
    public long SubjectId { get; set; }
    public required string Reason { get; set; }
    public DateTime MarkedAt { get; set; }
}

/// <summary>
/// One link of the audit chain: each entry hashes its content (e.g. all changes of a batch) and the
/// previous entry, so altering a stored row or entry is detected by <c>audit verify</c>.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public required string Kind { get; set; }
    public long? RefId { get; set; }
    public required string Actor { get; set; }
    public required string Summary { get; set; }
    public required string ContentHash { get; set; }
    public required string PrevHash { get; set; }
    public required string EntryHash { get; set; }
    public DateTime At { get; set; }
}

/// <summary>A person who signs in to the web portals.</summary>
public sealed class Account
{
    public long Id { get; set; }
    public required string UserName { get; set; }
    public required string DisplayName { get; set; }

    /// <summary>One of <see cref="Access.Roles"/>.</summary>
    public required string Role { get; set; }

    /// <summary>The reporting unit of a unit clerk.</summary>
    public string? UnitCode { get; set; }

    /// <summary>The credit subject of a citizen.</summary>
    public long? SubjectId { get; set; }

    public required string PasswordHash { get; set; }
    public int FailedCount { get; set; }
    public DateTime? LockedUntil { get; set; }
    public bool Disabled { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastSignInAt { get; set; }

    /// <summary>Raised when the account is disabled or its password reset: sessions signed in before end.</summary>
    public int SessionVersion { get; set; }
}

/// <summary>
/// A written reminder (催报) for a missed reporting deadline (seed 003 §13). Resolved when a report
/// arrives; listed for a circulated criticism (通报批评) when still missing after the reminder deadline.
/// </summary>
public sealed class ReportingReminder
{
    public long Id { get; set; }
    public required string UnitCode { get; set; }
    public required string CategoryCode { get; set; }

    /// <summary>The first missed period: later missed periods are covered by this reminder until it is resolved.</summary>
    public DateOnly PeriodStart { get; set; }

    public DateOnly PeriodEnd { get; set; }

    /// <summary>The missed reporting deadline.</summary>
    public DateOnly Deadline { get; set; }

    public DateTime RemindedAt { get; set; }

    /// <summary>The last day to report after the reminder before the unit is listed for criticism.</summary>
    public DateOnly ReminderDeadline { get; set; }

    /// <summary>When the report arrived (the finishing time of the first batch that covers the period).</summary>
    public DateTime? ResolvedAt { get; set; }

    public DateTime? CriticismListedAt { get; set; }
}

/// <summary>A subject's consent to the Shangding score (voluntary, 001 §2(2)); withdrawn by setting <see cref="OptedOutAt"/>.</summary>
public sealed class ScoreOptIn
{
    public long SubjectId { get; set; }
    public DateTime OptedInAt { get; set; }
    public DateTime? OptedOutAt { get; set; }
    public required string Channel { get; set; }
}

/// <summary>The current score of an opted-in subject, with the explanation it was computed with.</summary>
public sealed class StoredScore
{
    public long SubjectId { get; set; }
    public int Score { get; set; }
    public required string Level { get; set; }
    public required string ModelVersion { get; set; }
    public DateOnly AsOf { get; set; }
    public DateTime ComputedAt { get; set; }

    /// <summary>Why it was (re)computed: <c>opt-in</c>, <c>intake</c>, <c>daily</c>, <c>recompute</c>…</summary>
    public required string Reason { get; set; }

    public required string ExplanationJson { get; set; }
}

/// <summary>One change of a subject's score.</summary>
public sealed class ScoreChange
{
    public long Id { get; set; }
    public long SubjectId { get; set; }
    public int Score { get; set; }
    public required string Level { get; set; }
    public required string ModelVersion { get; set; }
    public DateTime ComputedAt { get; set; }
    public required string Reason { get; set; }
}

/// <summary>An operator's activation of a score model version (audited).</summary>
public sealed class ModelActivation
{
    public long Id { get; set; }
    public required string Version { get; set; }
    public DateTime ActivatedAt { get; set; }
    public required string ActivatedBy { get; set; }
    public string? Note { get; set; }
}

public enum QueryOutcome
{
    Allowed,
    Refused,
}

/// <summary>
/// One look at a subject's credit information (seed 003 §19): who, when, through which channel, why,
/// under which grant or official letter, and whether it was allowed. Kept 5 years. Entries are
/// chained by hash (<see cref="PrevHash"/> → <see cref="EntryHash"/>) so an altered, removed or
/// inserted entry is detected.
/// </summary>
public sealed class QueryLogEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary>The signed-in account, when the querier has one (null for an API credential).</summary>
    public long? QuerierAccountId { get; set; }

    /// <summary>One of <see cref="Access.Roles"/>.</summary>
    public required string QuerierRole { get; set; }

    /// <summary>The person or organisation as shown to the subject (e.g. 郑州某银行, 市民政局).</summary>
    public required string QuerierName { get; set; }

    public long SubjectId { get; set; }

    /// <summary><c>web</c>, <c>api</c> or <c>cli</c>.</summary>
    public required string Channel { get; set; }

    public required string Purpose { get; set; }

    /// <summary>What was asked for: e.g. <c>level</c>, <c>score</c>, <c>report</c>, <c>benefit:library-card</c>, <c>records</c>.</summary>
    public required string Scope { get; set; }

    public long? GrantId { get; set; }
    public string? LetterNumber { get; set; }
    public QueryOutcome Outcome { get; set; }

    /// <summary>Why a query was refused (a reason code, never data about the subject).</summary>
    public string? RefusalReason { get; set; }

    public required string PrevHash { get; set; }
    public required string EntryHash { get; set; }
}
