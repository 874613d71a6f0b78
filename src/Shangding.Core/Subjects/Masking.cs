using System.Globalization;
using System.Text;

namespace Shangding.Core.Subjects;

/// <summary>
/// The one masking rule for identifiers and names in every view that is not the subject's own
/// (SPEC §2). Organisations' unified social credit codes are public and are shown unmasked:
/// callers simply do not mask them.
/// </summary>
public static partial class Masking
{
    /// <summary>
    /// Whether free text (a clerk's reason, a stored field of unknown meaning) holds what looks like an identifier: a run of 15
    /// or more digits (an ID card number, with or without its final X) or an 18-character unified social credit code.
    /// </summary>
    public static bool HasIdLike(string text) => IdLike().IsMatch(text);

    /// <summary>Free text with everything <see cref="HasIdLike"/> finds in it masked (<see cref="Mask"/>).</summary>
    public static string MaskIdLike(string text) => IdLike().Replace(text, m => Mask(m.Value));

    [System.Text.RegularExpressions.GeneratedRegex("[0-9]{17}[Xx]|[0-9]{15,}|[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")]
    private static partial System.Text.RegularExpressions.Regex IdLike();

    /// <summary>The character that replaces hidden characters.</summary>
    public const char MaskCharacter = '*';

    /// <summary>
    /// Masks an identifier after normalising it, keeping its length and hiding at least half of it:
    /// each end keeps <c>min(4, length / 4)</c> characters. So 16 or more characters keep the first 4
    /// and last 4 (<c>410105190001010010</c> → <c>4101**********0010</c>), 12–15 keep 3 and 3, 8–11
    /// keep 2 and 2 (an 8-digit Taiwan permit is not shown whole), 4–7 keep the first and last,
    /// and 1–3 are masked entirely.
    /// </summary>
    public static string Mask(string? identifier)
    {
        var value = IdentifierNormaliser.Normalise(identifier);
        var keep = Math.Min(4, value.Length / 4);

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
