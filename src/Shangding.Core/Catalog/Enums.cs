namespace Shangding.Core.Catalog;

/// <summary>Whether a record of a category counts for or against its subject.</summary>
public enum Polarity
{
    Good,
    Bad,
    Neutral,
}

/// <summary>The five published dimensions of the Shangding score (persons only).</summary>
public enum ScoreDimension
{
    /// <summary>荣誉信息</summary>
    Honour,

    /// <summary>社会公德</summary>
    SocialMorality,

    /// <summary>职业道德</summary>
    ProfessionalEthics,

    /// <summary>家庭美德</summary>
    FamilyVirtue,

    /// <summary>法律法规</summary>
    LawCompliance,
}

/// <summary>Information class of seed 003 §15: A public, B shared with government, C limited to named bodies.</summary>
public enum InfoClass
{
    A,
    B,
    C,
}

/// <summary>Severity of a bad record; decides publication periods and repair.</summary>
public enum Severity
{
    Minor,
    General,
    Serious,
}

public enum SubjectKind
{
    Person,
    Organisation,
}

/// <summary>Type of a category field; intake validates values against it.</summary>
public enum FieldType
{
    Text,
    Name,
    IdType,
    IdNumber,
    Uscc,
    Date,
    DateTime,
#pragma warning disable CA1720 // The names are the catalogue's type names (integer, decimal), not CLR types.
    Integer,
    Decimal,
#pragma warning restore CA1720
    Money,
    Enum,
    Address,
    PlateNumber,
}

/// <summary>Chinese and English labels of the score dimensions.</summary>
public static class ScoreDimensionLabels
{
    public static string NameZh(this ScoreDimension dimension) => dimension switch
    {
        ScoreDimension.Honour => "荣誉信息",
        ScoreDimension.SocialMorality => "社会公德",
        ScoreDimension.ProfessionalEthics => "职业道德",
        ScoreDimension.FamilyVirtue => "家庭美德",
        ScoreDimension.LawCompliance => "法律法规",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, null),
    };

    public static string NameEn(this ScoreDimension dimension) => dimension switch
    {
        ScoreDimension.Honour => "Honours",
        ScoreDimension.SocialMorality => "Social morality",
        ScoreDimension.ProfessionalEthics => "Professional ethics",
        ScoreDimension.FamilyVirtue => "Family virtue",
        ScoreDimension.LawCompliance => "Compliance with laws and regulations",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, null),
    };

    /// <summary>Label for people: Chinese first, English in brackets.</summary>
    public static string Label(this ScoreDimension dimension) => $"{dimension.NameZh()} ({dimension.NameEn()})";
}
