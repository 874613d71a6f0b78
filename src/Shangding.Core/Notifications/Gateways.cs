using System.Globalization;
using System.Text;
using Shangding.Core.Data;

namespace Shangding.Core.Notifications;

/// <summary>
/// Delivers one outbox message (an SMS or e-mail gateway). Throws when delivery failed; the outbox
/// worker tries again later. A gateway may see a message more than once (at-least-once delivery),
/// so real gateways should pass <see cref="OutboxMessage.Id"/> on as their idempotency key.
/// </summary>
public interface INotificationGateway
{
    /// <summary><c>sms</c> or <c>email</c>.</summary>
    string Channel { get; }

    Task SendAsync(OutboxMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// DEVELOPMENT ONLY: a gateway that sends nothing and appends each message to a local file, clearly
/// marked, so a developer sees what would have gone out. Replace with a real SMS / e-mail gateway in
/// production.
/// </summary>
public sealed class DevelopmentFileGateway(string channel, string filePath) : INotificationGateway
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public string Channel => channel;

    public string FilePath => filePath;

    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[DEVELOPMENT GATEWAY — NOT SENT] {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {channel} #{message.Id} to {message.Recipient}: {message.Title} | {message.Body.ReplaceLineEndings(" | ")}{Environment.NewLine}");
        await Gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filePath))!);
            await File.AppendAllTextAsync(filePath, line, Encoding.UTF8, cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }
}
