using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Notifications;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Remedies;

public sealed class NotificationTests
{
    [Theory]
    [AllEngines]
    public async Task Inbox_CountsUnread_AndMarksRead(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 2));
        var a = await world.AccountAsync("a", Roles.Citizen);
        var b = await world.AccountAsync("b", Roles.Citizen);
        await using var context = world.NewContext();
        await world.Notifications.SendAsync(context, a, new Message("t", "一", "One", "正文", "Body"), Ct);
        await world.Notifications.SendAsync(context, a, new Message("t", "二", "Two", "正文", "Body"), Ct);
        await world.Notifications.SendAsync(context, b, new Message("t", "三", "Three", "正文", "Body"), Ct);

        (await NotificationService.UnreadCountAsync(context, a, Ct)).ShouldBe(2);
        var first = (await world.InboxAsync(a))[0].Id;
        (await world.Notifications.MarkReadAsync(context, b, first, Ct)).ShouldBe(0); // not b's message
        (await world.Notifications.MarkReadAsync(context, a, first, Ct)).ShouldBe(1);
        (await NotificationService.UnreadCountAsync(context, a, Ct)).ShouldBe(1);
        (await world.Notifications.MarkReadAsync(context, a, null, Ct)).ShouldBe(1);
        (await NotificationService.UnreadCountAsync(context, a, Ct)).ShouldBe(0);
        (await NotificationService.UnreadCountAsync(context, b, Ct)).ShouldBe(1);
        (await context.Outbox.CountAsync(Ct)).ShouldBe(3); // one per message and gateway channel
    }

    [Theory]
    [AllEngines]
    public async Task Outbox_AFailingGatewayIsRetriedLater_AndADeliveredMessageIsNotSentAgain(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 2));
        var a = await world.AccountAsync("a", Roles.Citizen);
        await using var context = world.NewContext();
        await world.Notifications.SendAsync(context, a, new Message("t", "一", "One", "正文", "Body"), Ct);
        world.Sms.FailuresLeft = 2;

        var first = await world.Outbox.DeliverDueAsync(context, 10, Ct);
        first.ShouldBe(new DeliveryReport(0, 1, 0));
        var message = await context.Outbox.AsNoTracking().SingleAsync(Ct);
        (message.Status, message.Attempts).ShouldBe((OutboxStatus.Pending, 1));
        message.LastError!.ShouldContain("gateway unavailable");

        // Not due again before its back-off (1 minute, then 2).
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).ShouldBe(new DeliveryReport(0, 0, 0));
        world.Clock.Advance(TimeSpan.FromMinutes(1));
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).ShouldBe(new DeliveryReport(0, 1, 0));
        world.Clock.Advance(TimeSpan.FromMinutes(2));
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).ShouldBe(new DeliveryReport(1, 0, 0));
        world.Sms.Delivered.ShouldBe([message.Id]);
        message = await context.Outbox.AsNoTracking().SingleAsync(Ct);
        (message.Status, message.Attempts, message.SentAt is not null).ShouldBe((OutboxStatus.Sent, 3, true));

        world.Clock.Advance(TimeSpan.FromHours(1));
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).ShouldBe(new DeliveryReport(0, 0, 0));
        world.Sms.Calls.ShouldBe(3);
        world.Sms.Delivered.Count.ShouldBe(1);
    }

    [Theory]
    [AllEngines]
    public async Task Outbox_GivesUpAfterTheLastAttempt_AndALeasedMessageIsNotTakenTwice(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 2));
        world.Options.MaxDeliveryAttempts = 2;
        var a = await world.AccountAsync("a", Roles.Citizen);
        await using var context = world.NewContext();
        await world.Notifications.SendAsync(context, a, new Message("t", "一", "One", "正文", "Body"), Ct);
        var id = (await context.Outbox.AsNoTracking().SingleAsync(Ct)).Id;

        // Another worker holds the lease: this one leaves the message alone.
        var leased = world.Clock.GetUtcNow().UtcDateTime.AddMinutes(5);
        await context.Outbox.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, leased), Ct);
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).ShouldBe(new DeliveryReport(0, 0, 0));
        world.Sms.Calls.ShouldBe(0);

        world.Sms.FailuresLeft = 5;
        world.Clock.Advance(TimeSpan.FromMinutes(6));
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).Retried.ShouldBe(1);
        world.Clock.Advance(TimeSpan.FromMinutes(2));
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).GivenUp.ShouldBe(1);
        (await context.Outbox.AsNoTracking().SingleAsync(Ct)).Status.ShouldBe(OutboxStatus.Failed);
        world.Clock.Advance(TimeSpan.FromDays(1));
        (await world.Outbox.DeliverDueAsync(context, 10, Ct)).ShouldBe(new DeliveryReport(0, 0, 0));
    }
}
