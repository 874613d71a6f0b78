using Shangding.Core.Catalog;

namespace Shangding.Core.Intake;

/// <summary>Why a row or a batch was not taken in, in Chinese and English, and which field it concerns.</summary>
public sealed record IntakeReason(string Code, string? Field, string MessageZh, string MessageEn)
{
    public string Message(bool english) => english ? MessageEn : MessageZh;

    public override string ToString() => $"{MessageZh} / {MessageEn}";
}

public enum IntakeAction
{
    /// <summary>Create the record, or update it if the unit sent the same key before.</summary>
    Upsert,

    /// <summary>Withdraw a record the unit furnished before (003 §11).</summary>
    Withdraw,
}

/// <summary>
/// One record as it arrives from any channel, before validation: values by column code (the
/// category's field codes and the intake columns of <see cref="IntakeColumns"/>), plus the cells as
/// uploaded, so a rejected row can be given back exactly as it came. <see cref="CategoryCode"/> is set
/// where each record names its category (API); files and forms have one category per batch.
/// </summary>
public sealed record IntakeRow(int RowNumber, string? CategoryCode, IReadOnlyDictionary<string, string?> Values, string?[] RawCells)
{
    /// <summary>Problems found before validation (e.g. a formula cell without a value); any of them rejects the row.</summary>
    public IReadOnlyList<IntakeReason> Problems { get; init; } = [];

    public string? Get(string code) => Values.TryGetValue(code, out var value) ? value : null;

    /// <summary>
    /// Makes the cells as sent when they are needed (only rejected and withdrawn rows keep them): an API record
    /// is written out as JSON only then, not for every record of a batch.
    /// </summary>
    public Func<string?[]>? RawCellsFactory { get; init; }

    /// <summary>The cells as uploaded or sent, for the rejects file.</summary>
    public string?[] CellsAsSent() => RawCellsFactory?.Invoke() ?? RawCells;

    /// <summary>
    /// The version of the unit's record with this row's key that the row was made from (a clerk's correction on the record's
    /// page, a dispute's answer, an API record that names one): the writer stores the row only if the record is still at
    /// that version when it is written, and otherwise refuses it (<see cref="IntakeMessages.VersionChanged"/>), so a change
    /// committed meanwhile by someone else is never overwritten. Null (files, most API records): no such check.
    /// </summary>
    public int? ExpectedVersion { get; init; }
}

/// <summary>Who a record is about, as validated: the identifier is normalised and never leaves Core in clear.</summary>
public sealed record SubjectIdentity(SubjectKind Kind, string CertType, string NormalisedId, string Name, DateOnly? BirthDate, string? Sex);

/// <summary>A row that passed validation.</summary>
public sealed record ValidatedRecord(
    int RowNumber,
    string RecordKey,
    IntakeAction Action,
    string CategoryCode,
    SubjectIdentity? Subject,
    DateOnly? ActDate,
    string? Severity,
    IReadOnlyDictionary<string, object?> Fields);

/// <summary>The outcome of validating one row: a record, or the reasons it was refused.</summary>
public sealed record RowResult(ValidatedRecord? Record, IReadOnlyList<IntakeReason> Reasons)
{
    public bool IsValid => Record is not null;
}

/// <summary>What happened to one record in a committed batch.</summary>
public enum RecordOutcome
{
    Created,
    Updated,
    Unchanged,
    Withdrawn,
    Rejected,
}

/// <summary>The per-record answer (API) or the first rows of a batch's result.</summary>
public sealed record RecordResult(int RowNumber, string? RecordKey, RecordOutcome Outcome, IReadOnlyList<IntakeReason> Reasons, bool NameConflict)
{
    /// <summary>
    /// The record's version after this row (1 when created; unchanged, the version it is at), or, for a row refused because the
    /// record is no longer at its expected version, the version it is at now; null for other refusals. What a client sends as
    /// its next expected version.
    /// </summary>
    public int? Version { get; init; }
}

/// <summary>The result of a batch through any channel.</summary>
public sealed record BatchResult(
    long BatchId,
    string Status,
    int TotalRows,
    int Created,
    int Updated,
    int Unchanged,
    int Withdrawn,
    int Rejected,
    int NameConflicts,
    IReadOnlyList<IntakeReason> Refusals,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<RecordResult> Records)
{
    /// <summary>Seconds per step (read+validate+stage, each merge statement, commit), for benchmarks and slow-batch logs.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Timings { get; init; } = [];
}
