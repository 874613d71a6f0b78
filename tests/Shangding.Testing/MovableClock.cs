namespace Shangding.Testing;

/// <summary>A clock tests can set and move (deadlines, expiries, "today").</summary>
public sealed class MovableClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public static MovableClock At(int year, int month, int day, int hour = 10) =>
        new(new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.FromHours(8)));

    public override DateTimeOffset GetUtcNow() => _now.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone { get; } = TimeZoneInfo.CreateCustomTimeZone("China", TimeSpan.FromHours(8), "China Standard Time", "CST");

    public void Set(DateTimeOffset now) => _now = now;

    public void Advance(TimeSpan by) => _now += by;
}
