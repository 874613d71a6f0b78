namespace Shangding.Core.Intake.Files;

/// <summary>An upload refused as a whole, with a message for the clerk in Chinese and English saying what to do.</summary>
public sealed class IntakeFileException : Exception
{
    public IntakeFileException()
        : this(FileRefusal.Corrupt, "文件无法读取。", "The file cannot be read.")
    {
    }

    public IntakeFileException(string message)
        : this(FileRefusal.Corrupt, message, message)
    {
    }

    public IntakeFileException(string message, Exception innerException)
        : this(FileRefusal.Corrupt, message, message, innerException)
    {
    }

    public IntakeFileException(FileRefusal reason, string messageZh, string messageEn, Exception? innerException = null)
        : base($"{messageZh} / {messageEn}", innerException)
    {
        Reason = reason;
        MessageZh = messageZh;
        MessageEn = messageEn;
    }

    public FileRefusal Reason { get; }

    public string MessageZh { get; }

    public string MessageEn { get; }
}
