using System.Text;

namespace Shangding.Core.Subjects;

/// <summary>
/// Brings an identifier as typed or pasted by people (Excel cells, web forms, scanned text) to the
/// one canonical spelling that is validated, hashed and stored.
/// </summary>
public static class IdentifierNormaliser
{
    /// <summary>
    /// Removes all white space anywhere in the value (ASCII spaces, tabs, U+3000 ideographic space,
    /// U+00A0 no-break space and other Unicode spaces) and invisible zero-width characters, maps
    /// full-width ASCII variants (U+FF01–U+FF5E, e.g. <c>０</c>–<c>９</c>, <c>Ａ</c>–<c>Ｚ</c>,
    /// <c>ｘ</c>, <c>（</c>) to ASCII, and upper-cases ASCII letters.
    /// </summary>
    /// <returns>The canonical identifier; an empty string for null or blank input.</returns>
    public static string Normalise(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return string.Empty;
        }

        // Most identifiers arrive already canonical: give them back without copying.
        if (IsCanonical(raw))
        {
            return raw;
        }

        var builder = new StringBuilder(raw.Length);
        foreach (var original in raw)
        {
            if (char.IsWhiteSpace(original) || IsInvisible(original))
            {
                continue;
            }

            var c = original is >= '\uFF01' and <= '\uFF5E'
                ? (char)(original - '\uFF01' + '!')
                : original;
            if (c is >= 'a' and <= 'z')
            {
                c = (char)(c - 'a' + 'A');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    // Printable ASCII other than the space and lower-case letters: a value made only of these is canonical.
    private static readonly System.Buffers.SearchValues<char> CanonicalAscii = System.Buffers.SearchValues.Create(
        Enumerable.Range('!', '~' - '!' + 1).Select(c => (char)c).Where(c => c is < 'a' or > 'z').ToArray());

    private static bool IsCanonical(string raw)
    {
        // The usual identifier (digits and capitals) is checked many characters at a time.
        if (!raw.AsSpan().ContainsAnyExcept(CanonicalAscii))
        {
            return true;
        }

        foreach (var c in raw)
        {
            if (c is >= 'a' and <= 'z' or >= '\uFF01' and <= '\uFF5E' || char.IsWhiteSpace(c) || IsInvisible(c))
            {
                return false;
            }
        }

        return true;
    }

    // Zero-width characters and the BOM arrive with copy-paste from web pages and Excel.
    private static bool IsInvisible(char c) =>
        c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF';
}
