namespace Shangding.Core.Calendar;

/// <summary>A calendar data file that cannot be used; the message names the file and every problem.</summary>
public sealed class CalendarDataException : Exception
{
    public CalendarDataException()
    {
    }

    public CalendarDataException(string message)
        : base(message)
    {
    }

    public CalendarDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CalendarDataException(string fileName, IReadOnlyList<string> problems)
        : base($"Calendar file {fileName}: {string.Join("; ", problems)}")
    {
        FileName = fileName;
        Problems = problems;
    }

    /// <summary>The file at fault, when known.</summary>
    public string? FileName { get; }

    /// <summary>Each problem found, in file order.</summary>
    public IReadOnlyList<string> Problems { get; } = [];
}
