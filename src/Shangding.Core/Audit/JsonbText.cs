using System.Text.Json;

namespace Shangding.Core.Audit;

/// <summary>
/// The text PostgreSQL gives for a <c>jsonb</c> value (<c>value::jsonb::text</c>), written from the JSON that was sent
/// to it, so the client can hash a history row exactly as <see cref="RecordHistory.ServerRowHash"/> and <c>audit
/// verify</c> (which reads jsonb back as that text) do without asking the server. PostgreSQL 15's rules
/// (<c>JsonbToCString</c>, <c>escape_json</c>): an object's keys sorted by length, then byte by byte, the last of
/// duplicate keys kept; <c>", "</c> between members and elements and <c>": "</c> after a key; strings with
/// <c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c> escaped, other characters below U+0020 as <c>\u00xx</c> and everything
/// else as its UTF-8; numbers as <c>numeric</c> prints them, which for plain decimal notation is the notation itself
/// with the sign of a zero dropped. A number with an exponent is not attempted: <see cref="TryWrite"/> returns false
/// and the caller lets the server hash that row.
/// </summary>
internal static class JsonbText
{
    /// <summary>An upper bound of the bytes <see cref="TryWrite"/> writes for <paramref name="jsonLength"/> bytes of JSON.</summary>
    public static int MaxLength(int jsonLength) => (2 * jsonLength) + 16;

    /// <summary>
    /// Writes jsonb's text of the JSON value in <paramref name="json"/> (valid UTF-8 JSON) into <paramref name="destination"/>
    /// from <paramref name="at"/> on (at least <see cref="MaxLength"/> bytes free); returns false, with <paramref name="at"/>
    /// where it was, for JSON whose jsonb text it does not reproduce.
    /// </summary>
    public static bool TryWrite(ReadOnlySpan<byte> json, byte[] destination, ref int at)
    {
        var start = at;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || !TryValue(json, ref reader, destination, ref at, nested: false))
            {
                at = start;
                return false;
            }

            return true;
        }
        catch (JsonException)
        {
            at = start;
            return false;
        }
    }

    private static bool TryValue(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, byte[] output, ref int at, bool nested)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                WriteString(Unescaped(ref reader), output, ref at);
                return true;
            case JsonTokenType.Number:
                return TryNumber(reader.ValueSpan, output, ref at);
            case JsonTokenType.True:
                Append("true"u8, output, ref at);
                return true;
            case JsonTokenType.False:
                Append("false"u8, output, ref at);
                return true;
            case JsonTokenType.Null:
                Append("null"u8, output, ref at);
                return true;
            case JsonTokenType.StartArray:
                output[at++] = (byte)'[';
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first)
                    {
                        Append(", "u8, output, ref at);
                    }

                    first = false;
                    if (!TryValue(json, ref reader, output, ref at, nested: true))
                    {
                        return false;
                    }
                }

                output[at++] = (byte)']';
                return true;
            case JsonTokenType.StartObject:
                return TryObject(json, ref reader, output, ref at, nested);
            default:
                return false;
        }
    }

    /// <summary>An object member: its key (a range of the JSON, or unescaped bytes of its own) and its value's range.</summary>
    private readonly record struct Member(int KeyStart, int KeyLength, byte[]? KeyBytes, int Start, int Length)
    {
        public ReadOnlySpan<byte> Key(ReadOnlySpan<byte> json) => KeyBytes ?? json.Slice(KeyStart, KeyLength);
    }

    // The top-level object's members, reused: this runs for every history row a PostgreSQL batch creates.
    [ThreadStatic]
    private static List<Member>? _members;

    private static bool TryObject(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, byte[] output, ref int at, bool nested)
    {
        // Each member's key and where its value lies in the JSON; written once all are known, in jsonb's order.
        var topLevel = !nested;
        var members = topLevel ? _members ??= new List<Member>(32) : new List<Member>();
        members.Clear();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.ValueIsEscaped
                ? new Member(0, 0, Unescaped(ref reader).ToArray(), 0, 0)
                : new Member((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, null, 0, 0);
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            reader.Skip();
            var member = key with { Start = valueStart, Length = (int)reader.BytesConsumed - valueStart };

            // Sorted as they come (a handful of members): by length, then byte by byte; a repeated key keeps its last value.
            var keyBytes = member.Key(json);
            var i = members.Count;
            while (i > 0 && Compare(members[i - 1].Key(json), keyBytes) > 0)
            {
                i--;
            }

            if (i > 0 && Compare(members[i - 1].Key(json), keyBytes) == 0)
            {
                members[i - 1] = member;
            }
            else
            {
                members.Insert(i, member);
            }
        }

        output[at++] = (byte)'{';
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                Append(", "u8, output, ref at);
            }

            WriteString(members[i].Key(json), output, ref at);
            Append(": "u8, output, ref at);
            var slice = json.Slice(members[i].Start, members[i].Length);
            if (slice[0] == (byte)'"' && slice.IndexOf((byte)'\\') < 0)
            {
                WriteString(slice[1..^1], output, ref at); // a string without escapes: its bytes are its value
                continue;
            }

            if (slice[0] is (byte)'-' or (>= (byte)'0' and <= (byte)'9'))
            {
                if (!TryNumber(slice, output, ref at))
                {
                    return false;
                }

                continue;
            }

            var value = new Utf8JsonReader(slice);
            if (!value.Read() || !TryValue(slice, ref value, output, ref at, nested: true))
            {
                return false;
            }
        }

        output[at++] = (byte)'}';
        if (topLevel)
        {
            members.Clear();
        }

        return true;

        static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
    }

    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        var buffer = new byte[reader.ValueSpan.Length];
        return buffer.AsSpan(0, reader.CopyString(buffer));
    }

    private static bool TryNumber(ReadOnlySpan<byte> number, byte[] output, ref int at)
    {
        if (number.IndexOfAny("eE"u8) >= 0)
        {
            return false;
        }

        // numeric prints zero without a sign ("-0.00" is "0.00"); any other plain decimal as it was written.
        if (number[0] == (byte)'-' && number[1..].IndexOfAnyExcept("0."u8) < 0)
        {
            number = number[1..];
        }

        Append(number, output, ref at);
        return true;
    }

    // The bytes escape_json escapes: control characters, the quote and the backslash.
    private static readonly System.Buffers.SearchValues<byte> Escaped = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private static void WriteString(ReadOnlySpan<byte> text, byte[] output, ref int at)
    {
        output[at++] = (byte)'"';
        int next;
        while ((next = text.IndexOfAny(Escaped)) >= 0)
        {
            Append(text[..next], output, ref at);
            Escape(text[next], output, ref at);
            text = text[(next + 1)..];
        }

        Append(text, output, ref at);
        output[at++] = (byte)'"';
    }

    /// <summary>One byte <see cref="Escaped"/> finds: its short escape, or \u00xx for another control character.</summary>
    private static void Escape(byte b, byte[] output, ref int at)
    {
        var shortForm = b switch
        {
            (byte)'"' => "\\\""u8,
            (byte)'\\' => "\\\\"u8,
            (byte)'\b' => "\\b"u8,
            (byte)'\f' => "\\f"u8,
            (byte)'\n' => "\\n"u8,
            (byte)'\r' => "\\r"u8,
            (byte)'\t' => "\\t"u8,
            _ => default,
        };
        if (!shortForm.IsEmpty)
        {
            Append(shortForm, output, ref at);
            return;
        }

        Append("\\u00"u8, output, ref at);
        output[at++] = Hex(b >> 4);
        output[at++] = Hex(b & 0xf);

        static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }

    private static void Append(ReadOnlySpan<byte> bytes, byte[] output, ref int at)
    {
        bytes.CopyTo(output.AsSpan(at));
        at += bytes.Length;
    }
}
