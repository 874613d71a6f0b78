using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Shangding.Core.Calendar;

public static class CalendarServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="WorkingDayCalendar"/> singleton, loaded on first use from
    /// <see cref="CalendarStore.ResolveDirectory"/>; load warnings are logged. A new year file is
    /// picked up at the next start.
    /// </summary>
    public static IServiceCollection AddWorkingDayCalendar(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddSingleton(sp =>
        {
            var logger = sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(WorkingDayCalendar));
            return CalendarStore.LoadDirectory(CalendarStore.ResolveDirectory(configuration, contentRoot), logger);
        });
        return services;
    }
}
