namespace Shangding.Core.Intake.Files;

/// <summary>Which number formats show a date or a time.</summary>
internal static class NumberFormats
{
    public enum DateKind : byte
    {
        None,
        Date,
        DateTime,
        TimeOnly,
    }

    /// <summary>
    /// Built-in ids: 14–17 dates, 22 date and time, 18–21 and 45–47 times; 27–31, 36 and 50–58 are the
    /// East Asian date formats (e.g. 31 = yyyy"年"m"月"d"日" in zh-CN Excel) and 32–35 its times.
    /// </summary>
    public static DateKind BuiltIn(int id) => id switch
    {
        >= 14 and <= 17 => DateKind.Date,
        22 => DateKind.DateTime,
        >= 18 and <= 21 or >= 45 and <= 47 => DateKind.TimeOnly,
        >= 27 and <= 31 or 36 or >= 50 and <= 58 => DateKind.Date,
        >= 32 and <= 35 => DateKind.TimeOnly,
        _ => DateKind.None,
    };

    /// <summary>
    /// A custom format is a date when, outside quoted text, escapes and [brackets], it uses y, m, d, h
    /// or s — and no 0/#/? digit placeholders (which would make "m" a plain letter after a number).
    /// </summary>
    public static DateKind Custom(string formatCode)
    {
        bool yearOrDay = false, month = false, time = false, digits = false;
        var section = formatCode.Split(';')[0];
        for (var i = 0; i < section.Length; i++)
        {
            var c = char.ToLowerInvariant(section[i]);
            switch (c)
            {
                case '"':
                    var close = section.IndexOf('"', i + 1);
                    i = close < 0 ? section.Length : close;
                    break;
                case '\\' or '_' or '*':
                    i++;
                    break;
                case '[':
                    var end = section.IndexOf(']', i + 1);
                    if (end > i + 1 && "hms".Contains(char.ToLowerInvariant(section[i + 1]), StringComparison.Ordinal))
                    {
                        time = true; // [h]:mm elapsed time
                    }

                    i = end < 0 ? section.Length : end;
                    break;
                case 'y' or 'd':
                    yearOrDay = true;
                    break;
                case 'm':
                    month = true;
                    break;
                case 'h' or 's':
                    time = true;
                    break;
                case '0' or '#' or '?':
                    digits = true;
                    break;
                default:
                    break;
            }
        }

        // "m" next to h or s is minutes; alone or with y/d it is the month.
        var date = yearOrDay || (month && !time);
        if (digits && !date && !time)
        {
            return DateKind.None;
        }

        return (date, time) switch
        {
            (true, true) => DateKind.DateTime,
            (true, false) => DateKind.Date,
            (false, true) => DateKind.TimeOnly,
            _ => DateKind.None,
        };
    }
}
