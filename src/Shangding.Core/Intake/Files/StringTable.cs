namespace Shangding.Core.Intake.Files;

/// <summary>
/// The shared-string table packed into large char chunks: a workbook of a million unique names and
/// IDs holds millions of shared strings, and as separate long-lived string objects they would double
/// the reader's memory and load the GC. A string is materialised when a cell uses it (a short-lived
/// allocation that dies young).
/// </summary>
internal sealed class StringTable
{
    private const int ChunkSize = 1 << 20;

    private readonly List<char[]> _chunks = [];
    private long[] _entries = new long[1024]; // chunk index << 32 | offset within chunk, plus a parallel length array
    private int[] _lengths = new int[1024];
    private char[]? _current;
    private int _used;

    public int Count { get; private set; }

    public void Add(string value)
    {
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Array.Resize(ref _lengths, _lengths.Length * 2);
        }

        if (value.Length > ChunkSize)
        {
            _chunks.Add(value.ToCharArray());
            _entries[Count] = (long)(_chunks.Count - 1) << 32;
            _lengths[Count++] = value.Length;
            _current = null;
            return;
        }

        if (_current is null || _used + value.Length > _current.Length)
        {
            _current = new char[ChunkSize];
            _chunks.Add(_current);
            _used = 0;
        }

        value.CopyTo(_current.AsSpan(_used));
        _entries[Count] = ((long)(_chunks.Count - 1) << 32) | (uint)_used;
        _lengths[Count++] = value.Length;
        _used += value.Length;
    }

    /// <summary>Makes room for <paramref name="count"/> strings in all (a declared count: a wrong one costs only a resize).</summary>
    public void Reserve(int count)
    {
        if (count > _entries.Length)
        {
            Array.Resize(ref _entries, count);
            Array.Resize(ref _lengths, count);
        }
    }

    public int LengthOf(int index) => _lengths[index];

    public string Get(int index)
    {
        var entry = _entries[index];
        var length = _lengths[index];
        return length == 0 ? string.Empty : new string(_chunks[(int)(entry >> 32)], (int)(uint)entry, length);
    }
}
