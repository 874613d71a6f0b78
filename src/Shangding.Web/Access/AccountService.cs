using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;

using Shangding.Core.Access;

namespace Shangding.Web.Access;

public enum SignInOutcome
{
    Success,
    WrongNameOrPassword,
    LockedOut,
    Disabled,
}

public sealed record SignInResult(SignInOutcome Outcome, Account? Account, DateTime? LockedUntil);

/// <summary>
/// Accounts and password sign-in: PBKDF2 hashes from ASP.NET Core's <see cref="PasswordHasher{TUser}"/>,
/// and a lockout after repeated failures so passwords cannot be guessed online.
/// </summary>
public sealed class AccountService(TimeProvider clock)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    private static readonly PasswordHasher<Account> Hasher = new();

    public async Task<Account> CreateAsync(ShangdingDbContext context, string userName, string displayName, string role, string password,
        string? unitCode, long? subjectId, CancellationToken cancellationToken)
    {
        if (!Roles.All.Contains(role, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown role '{role}'; roles are {string.Join(", ", Roles.All)}.", nameof(role));
        }

        if (role == Roles.UnitClerk && string.IsNullOrEmpty(unitCode))
        {
            throw new ArgumentException("A unit clerk belongs to a reporting unit.", nameof(unitCode));
        }

        if (password.Length < 10)
        {
            throw new ArgumentException("Passwords have at least 10 characters.", nameof(password));
        }

        var account = new Account
        {
            UserName = userName.Trim(),
            DisplayName = displayName,
            Role = role,
            UnitCode = unitCode,
            SubjectId = subjectId,
            PasswordHash = "",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        account.PasswordHash = Hasher.HashPassword(account, password);
        context.Accounts.Add(account);
        await context.SaveChangesAsync(cancellationToken);
        return account;
    }

    public async Task<SignInResult> SignInAsync(ShangdingDbContext context, string userName, string password, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var normalised = userName.Trim().ToLowerInvariant();
        // ToLower becomes SQL lower(), which the unique index ix_accounts_user_name covers.
#pragma warning disable CA1862
        var account = await context.Accounts.FirstOrDefaultAsync(a => a.UserName.ToLower() == normalised, cancellationToken);
#pragma warning restore CA1862
        if (account is null)
        {
            // Spend the same effort as for a real account, so timing does not tell which names exist.
            Hasher.VerifyHashedPassword(new Account { UserName = "", DisplayName = "", Role = "", PasswordHash = "" }, DummyHash, password);
            return new SignInResult(SignInOutcome.WrongNameOrPassword, null, null);
        }

        if (account.Disabled)
        {
            return new SignInResult(SignInOutcome.Disabled, null, null);
        }

        if (account.LockedUntil is { } until && until > now)
        {
            return new SignInResult(SignInOutcome.LockedOut, null, until);
        }

        var verified = Hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (verified == PasswordVerificationResult.Failed)
        {
            account.FailedCount++;
            if (account.FailedCount >= MaxFailures)
            {
                account.LockedUntil = now + LockoutDuration;
                account.FailedCount = 0;
            }

            await context.SaveChangesAsync(cancellationToken);
            return account.LockedUntil is { } locked && locked > now
                ? new SignInResult(SignInOutcome.LockedOut, null, locked)
                : new SignInResult(SignInOutcome.WrongNameOrPassword, null, null);
        }

        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.PasswordHash = Hasher.HashPassword(account, password);
        }

        account.FailedCount = 0;
        account.LockedUntil = null;
        account.LastSignInAt = now;
        await context.SaveChangesAsync(cancellationToken);
        return new SignInResult(SignInOutcome.Success, account, null);
    }

    private static readonly string DummyHash = Hasher.HashPassword(new Account { UserName = "", DisplayName = "", Role = "", PasswordHash = "" }, "not-a-real-password");
}
