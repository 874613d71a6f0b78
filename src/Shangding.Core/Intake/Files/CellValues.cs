using System.Globalization;

namespace Shangding.Core.Intake.Files;

/// <summary>Turns Excel's stored numbers into the text a clerk expects: ISO dates, plain decimals.</summary>
internal static class CellValues
{
    private static readonly DateTime Epoch1900 = new(1899, 12, 30, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly DateTime Epoch1904 = new(1904, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    public enum NumberKind
    {
        Plain,
        LostPrecision,
    }

    /// <summary>
    /// Formats a stored number. Plain decimal text of at most 15 significant digits is returned as is
    /// (the fast path). A number of 16 or more integer digits — an ID typed as a number — is returned as
    /// stored, flagged. Anything else is formatted to 15 significant digits, which is what Excel shows
    /// (so 0.1+0.2 stored as 0.30000000000000004 reads 0.3).
    /// </summary>
    public static string FormatNumber(string raw, out NumberKind kind)
    {
        kind = NumberKind.Plain;
        if (IsPlainShortDecimal(raw))
        {
            return raw;
        }

        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return raw;
        }

        if (Math.Abs(value) >= 1e15)
        {
            kind = NumberKind.LostPrecision;
            return raw;
        }

        var text = value.ToString("G15", CultureInfo.InvariantCulture);
        if (text.Contains('E', StringComparison.Ordinal)
            && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
        {
            text = exact.ToString(CultureInfo.InvariantCulture);
        }

        return text;
    }

    public static string FormatNumber(double value, out NumberKind kind) =>
        FormatNumber(value.ToString("R", CultureInfo.InvariantCulture), out kind);

    /// <summary>Digits, at most one dot, optional leading minus, at most 15 significant digits.</summary>
    private static bool IsPlainShortDecimal(string raw)
    {
        if (raw.Length == 0 || raw.Length > 17)
        {
            return false;
        }

        var start = raw[0] == '-' ? 1 : 0;
        var significant = 0;
        var seenNonZero = false;
        var seenDot = false;
        for (var i = start; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '.')
            {
                if (seenDot || i == start || i == raw.Length - 1)
                {
                    return false;
                }

                seenDot = true;
            }
            else if (char.IsAsciiDigit(c))
            {
                seenNonZero |= c != '0';
                if (seenNonZero)
                {
                    significant++;
                }
            }
            else
            {
                return false;
            }
        }

        return start < raw.Length && significant <= 15;
    }

    /// <summary>
    /// Converts a date serial to ISO text. The 1900 system keeps Lotus's leap-year bug: serial 60 is the
    /// non-existent 1900-02-29 (returned as that text, which later validation refuses), and serials
    /// below 60 are one day later than a plain day count would give.
    /// </summary>
    public static string? FormatDateSerial(double serial, bool date1904, bool timeOnlyFormat)
    {
        if (!double.IsFinite(serial) || serial < 0 || serial >= 2_958_466)
        {
            return null;
        }

        var ticks = (long)Math.Round(serial * TimeSpan.TicksPerDay / TimeSpan.TicksPerSecond, MidpointRounding.AwayFromZero) * TimeSpan.TicksPerSecond;
        var days = ticks / TimeSpan.TicksPerDay;
        var timeOfDay = new TimeSpan(ticks % TimeSpan.TicksPerDay);
        if (timeOnlyFormat && days == 0)
        {
            return timeOfDay.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        }

        string date;
        if (date1904)
        {
            date = IsoDate.Format(DateOnly.FromDateTime(Epoch1904.AddDays(days)));
        }
        else if (days == 60)
        {
            date = "1900-02-29";
        }
        else if (days == 0)
        {
            date = "1900-01-00";
        }
        else
        {
            date = IsoDate.Format(DateOnly.FromDateTime(Epoch1900.AddDays(days < 60 ? days + 1 : days)));
        }

        return timeOfDay == TimeSpan.Zero
            ? date
            : date + " " + timeOfDay.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
    }

    /// <summary>Formats a date already decoded (ExcelDataReader's .xls path).</summary>
    public static string FormatDate(DateTime value) =>
        value.TimeOfDay == TimeSpan.Zero
            ? value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
