using System.Globalization;
using System.Text;
using Shangding.Core.Intake;

namespace Shangding.Core.Tests.Intake;

public sealed class IsoDateTests
{
    [Fact]
    public void EveryDate_IsWrittenAsTheCustomFormatWritesIt()
    {
        // Every day of years that pad (1, 999), the Excel epochs, today's range and the last years DateOnly holds.
        var days = new List<DateOnly>();
        foreach (var (from, to) in new[] { (new DateOnly(1, 1, 1), new DateOnly(3, 1, 1)), (new DateOnly(998, 12, 1), new DateOnly(1001, 2, 1)),
                     (new DateOnly(1899, 12, 1), new DateOnly(1904, 2, 1)), (new DateOnly(1999, 1, 1), new DateOnly(2031, 1, 1)),
                     (new DateOnly(9998, 1, 1), DateOnly.MaxValue) })
        {
            for (var d = from; d < to; d = d.AddDays(1))
            {
                days.Add(d);
            }
        }

        days.Add(DateOnly.MaxValue);
        Span<byte> bytes = stackalloc byte[IsoDate.Length];
        foreach (var day in days)
        {
            var expected = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            IsoDate.Format(day).ShouldBe(expected);
            IsoDate.Write(day, bytes);
            Encoding.ASCII.GetString(bytes).ShouldBe(expected);
        }

        days.Count.ShouldBeGreaterThan(14_000);
    }
}
