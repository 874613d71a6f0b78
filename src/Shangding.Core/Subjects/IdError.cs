namespace Shangding.Core.Subjects;

/// <summary>Why an identifier was refused. <see cref="IdErrorMessages"/> turns each into advice for people.</summary>
public enum IdError
{
    /// <summary>The identifier is valid.</summary>
    None = 0,

    /// <summary>Nothing was entered (or only spaces).</summary>
    Empty,

    /// <summary>An 18-character identifier (resident ID, HMT residence permit, USCC) has another length.</summary>
    WrongLength,

    /// <summary>A character that the identifier's alphabet does not allow (e.g. a letter among the first 17 digits of a resident ID).</summary>
    InvalidCharacter,

    /// <summary>The 6-digit administrative region code (positions 1–6) has no plausible province prefix.</summary>
    InvalidRegionCode,

    /// <summary>The embedded birth date (positions 7–14) is not a calendar date, e.g. 19900230.</summary>
    InvalidBirthDate,

    /// <summary>The embedded birth date is after today.</summary>
    BirthDateInFuture,

    /// <summary>The embedded birth date is before 1900-01-01.</summary>
    BirthDateTooEarly,

    /// <summary>The GB 11643 (ISO 7064 MOD 11-2) check digit does not match.</summary>
    WrongCheckDigit,

    /// <summary>A unified social credit code contains I, O, Z, S or V, which GB 32100 leaves out.</summary>
    ForbiddenLetter,

    /// <summary>The GB 32100 check character (position 18) of a unified social credit code does not match.</summary>
    WrongCheckCharacter,

    /// <summary>The number does not have the format of the stated certificate type.</summary>
    InvalidFormat,

    /// <summary>The certificate type label is not one the platform knows.</summary>
    UnknownCertificateType,
}
