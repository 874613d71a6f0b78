namespace Shangding.Core.Remedies;

/// <summary>
/// A request a person made that cannot be done as asked (bad input, wrong state, too early), with the
/// reason in Chinese and English and the form field it concerns, so pages show it beside the field.
/// Nothing was stored when it is thrown.
/// </summary>
public sealed class RemedyException : Exception
{
    public RemedyException()
    {
        MessageZh = MessageEn = "";
    }

    public RemedyException(string message)
        : base(message)
    {
        MessageZh = MessageEn = message;
    }

    public RemedyException(string message, Exception innerException)
        : base(message, innerException)
    {
        MessageZh = MessageEn = message;
    }

    public RemedyException(string? field, string messageZh, string messageEn)
        : base($"{messageZh} / {messageEn}")
    {
        Field = field;
        MessageZh = messageZh;
        MessageEn = messageEn;
    }

    /// <summary>The form field the problem concerns, or null for the request as a whole.</summary>
    public string? Field { get; }

    public string MessageZh { get; }
    public string MessageEn { get; }

    public string Text(bool english) => english ? MessageEn : MessageZh;
}
