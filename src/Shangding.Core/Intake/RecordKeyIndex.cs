namespace Shangding.Core.Intake;

/// <summary>
/// The first row of each record key in a batch, to refuse later rows with the same key. The keys' characters
/// are kept one after another in a growing buffer and the dictionary holds only where each key is, so a
/// million keys are a few arrays for the garbage collector, not a million strings. (It replaced a SHA-256
/// of each key, which cost an OpenSSL call per row on the thread reading the file.)
/// </summary>
internal sealed class RecordKeyIndex
{
    private readonly Dictionary<Slice, int> _firstRow;
    private char[] _chars;
    private int _used;

    /// <param name="expectedRows">
    /// A hint (0: none). Sized for the file up front, the dictionary and the buffer are not grown by doubling, which
    /// left each outgrown array on the large-object heap until the next full collection — rare under the CLI's
    /// non-concurrent GC, so a million-row file's old arrays added tens of megabytes to the peak.
    /// </param>
    public RecordKeyIndex(int expectedRows = 0)
    {
        _firstRow = new Dictionary<Slice, int>(expectedRows, new SliceComparer(this));
        _chars = new char[Math.Max(64 * 1024, expectedRows * 10)];
    }

    public int Count => _firstRow.Count;

    /// <summary>Remembers <paramref name="row"/> as the first row of <paramref name="key"/>, or returns the first row seen with it (0 if none).</summary>
    public int FirstRowOf(string key, int row)
    {
        if (_chars.Length - _used < key.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _used + key.Length));
        }

        // The key goes in the buffer first, so the dictionary can compare it like a stored one; a key seen
        // before is taken out again.
        key.CopyTo(_chars.AsSpan(_used));
        var slice = new Slice(_used, key.Length);
        ref var first = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_firstRow, slice, out var seen);
        if (seen)
        {
            return first;
        }

        first = row;
        _used += key.Length;
        return 0;
    }

    private ReadOnlySpan<char> Text(Slice slice) => _chars.AsSpan(slice.Start, slice.Length);

    private readonly record struct Slice(int Start, int Length);

    private sealed class SliceComparer(RecordKeyIndex index) : IEqualityComparer<Slice>
    {
        public bool Equals(Slice x, Slice y) => x.Length == y.Length && index.Text(x).SequenceEqual(index.Text(y));

        // Randomised per process, like string hashing: a file cannot be crafted to make every key collide.
        public int GetHashCode(Slice slice) => string.GetHashCode(index.Text(slice));
    }
}
