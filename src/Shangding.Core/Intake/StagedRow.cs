namespace Shangding.Core.Intake;

/// <summary>
/// One row as written to the batch's staging table: either an accepted record (subject protected,
/// fields serialised, content hashed) or a rejected row (cells as uploaded and the reasons). Of the
/// accepted rows of one subject only the first carries what creating the subject needs (kind,
/// certificate type, <see cref="IdCipher"/>, masked identifier, birth date, sex); the others have
/// the look-up hash and the name only.
/// </summary>
public sealed record StagedRow(
    int RowNumber,
    string? RecordKey,
    char Action,
    string? Kind,
    string? CertType,
    string? IdHash,
    string? IdCipher,
    string? IdMasked,
    string? Name,
    DateOnly? BirthDate,
    string? Sex,
    string? CategoryCode,
    DateOnly? ActDate,
    string? Severity,
    byte[]? Fields,
    string? ContentHash,
    string? CellsJson,
    string? ReasonsJson)
{
    /// <summary>
    /// The version the record with this key must still have when the row is written (<see cref="IntakeRow.ExpectedVersion"/>);
    /// null for rows without one, which the writers classify as before.
    /// </summary>
    public int? ExpectedVersion { get; init; }

    /// <summary>The fields' canonical JSON as text (they are kept as the UTF-8 they are stored as).</summary>
    public string? FieldsJson => Fields is null ? null : System.Text.Encoding.UTF8.GetString(Fields);
}
