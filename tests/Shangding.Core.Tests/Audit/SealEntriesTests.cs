using System.Buffers.Binary;
using Shangding.Core.Audit;

namespace Shangding.Core.Tests.Audit;

public sealed class SealEntriesTests
{
    private static (byte[] Hashes, int Count, long? First, long? Last) Entries(params long[] ids)
    {
        var hashes = new byte[ids.Length * RecordHistory.EntryBytes];
        for (var i = 0; i < ids.Length; i++)
        {
            var entry = hashes.AsSpan(i * RecordHistory.EntryBytes, RecordHistory.EntryBytes);
            BinaryPrimitives.WriteInt64BigEndian(entry, ids[i]);
            entry[8..].Fill((byte)(ids[i] % 251)); // a hash that goes with its id
        }

        return (hashes, ids.Length, ids.Length == 0 ? null : ids[0], ids.Length == 0 ? null : ids[^1]);
    }

    private static long[] Ids(byte[] hashes) =>
        Enumerable.Range(0, hashes.Length / RecordHistory.EntryBytes)
            .Select(i => BinaryPrimitives.ReadInt64BigEndian(hashes.AsSpan(i * RecordHistory.EntryBytes, 8))).ToArray();

    [Fact]
    public void Merging_InterleavesTwoSealsInIdOrder_EachHashStayingWithItsId()
    {
        // A PostgreSQL batch: created rows hashed on the client, updates and withdrawals by the server, flush by flush.
        var merged = RecordHistory.MergeEntries(Entries(1, 2, 5, 6, 9), Entries(3, 4, 7, 10));

        (merged.Count, merged.First, merged.Last).ShouldBe((9, 1L, 10L));
        Ids(merged.Hashes).ShouldBe([1, 2, 3, 4, 5, 6, 7, 9, 10]);
        for (var i = 0; i < merged.Count; i++)
        {
            var entry = merged.Hashes.AsSpan(i * RecordHistory.EntryBytes, RecordHistory.EntryBytes);
            var expected = (byte)(BinaryPrimitives.ReadInt64BigEndian(entry) % 251);
            entry[8..].ToArray().ShouldAllBe(b => b == expected);
        }
    }

    [Fact]
    public void Merging_WithNothingOnOneSide_GivesTheOther_AndNothingWithNothing()
    {
        RecordHistory.MergeEntries(Entries(), Entries(4, 8)).ShouldBe(Entries(4, 8), new TupleComparer());
        RecordHistory.MergeEntries(Entries(4, 8), Entries()).ShouldBe(Entries(4, 8), new TupleComparer());
        var none = RecordHistory.MergeEntries(Entries(), Entries());
        (none.Hashes.Length, none.Count, none.First, none.Last).ShouldBe((0, 0, (long?)null, (long?)null));
    }

    private sealed class TupleComparer : IEqualityComparer<(byte[] Hashes, int Count, long? First, long? Last)>
    {
        public bool Equals((byte[] Hashes, int Count, long? First, long? Last) x, (byte[] Hashes, int Count, long? First, long? Last) y) =>
            x.Hashes.AsSpan().SequenceEqual(y.Hashes) && (x.Count, x.First, x.Last) == (y.Count, y.First, y.Last);

        public int GetHashCode((byte[] Hashes, int Count, long? First, long? Last) obj) => obj.Count;
    }
}
