using System.Globalization;
using System.Text;

namespace Shangding.Core.Subjects;

/// <summary>
/// The one masking rule for identifiers and names in every view that is not the subject's own
/// (SPEC §2). Organisations' unified social credit codes are public and are shown unmasked:
/// callers simply do not mask them.
/// </summary>
public static class Masking
{
    /// <summary>The character that replaces hidden characters.</summary>
    public const char MaskCharacter = '*';

    /// <summary>
    /// Masks an identifier after normalising it, keeping its length: 8 or more characters keep the
    /// first 4 and last 4 (<c>11010519491231002X</c> → <c>1101**********002X</c>); 3–7 characters keep
    /// the first and last; 1–2 characters are masked entirely.
    /// </summary>
    public static string Mask(string? identifier)
    {
        var value = IdentifierNormaliser.Normalise(identifier);
        var keep = value.Length switch
        {
            >= 8 => 4,
            >= 3 => 1,
            _ => 0,
        };

        return string.Create(value.Length, (value, keep), static (span, state) =>
        {
            var (v, k) = state;
            span.Fill(MaskCharacter);
            v.AsSpan(0, k).CopyTo(span);
            v.AsSpan(v.Length - k).CopyTo(span[(v.Length - k)..]);
        });
    }

    /// <summary>
    /// Masks a person's name by keeping its first character and replacing every other character by
    /// <c>*</c>, keeping the length: 张三 → 张*, 李小明 → 李**, 欧阳娜娜 → 欧***. Compound surnames are not
    /// detected on purpose (one rule, no surname list). Characters outside the Basic Multilingual
    /// Plane count as one character; surrounding white space is trimmed; a one-character name is
    /// returned as is.
    /// </summary>
    public static string MaskName(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            return string.Empty;
        }

        var enumerator = StringInfo.GetTextElementEnumerator(trimmed);
        var builder = new StringBuilder(trimmed.Length);
        var first = true;
        while (enumerator.MoveNext())
        {
            if (first)
            {
                builder.Append(enumerator.GetTextElement());
                first = false;
            }
            else
            {
                builder.Append(MaskCharacter);
            }
        }

        return builder.ToString();
    }
}
