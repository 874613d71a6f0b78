using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Shangding.Core.Audit;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Access;

public enum SignInOutcome
{
    Success,
    WrongNameOrPassword,
    LockedOut,
    Disabled,
}

public sealed record SignInResult(SignInOutcome Outcome, Account? Account, DateTime? LockedUntil);

/// <summary>An account field an operator got wrong, with the reason in Chinese and English.</summary>
public sealed class AccountFieldException(string field, string messageZh, string messageEn) : Exception($"{messageZh} / {messageEn}")
{
    public string Field { get; } = field;
    public string MessageZh { get; } = messageZh;
    public string MessageEn { get; } = messageEn;
}

/// <summary>
/// Accounts and password sign-in: PBKDF2 hashes from ASP.NET Core's <see cref="PasswordHasher{TUser}"/>,
/// and a lockout after repeated failures so passwords cannot be guessed online.
/// </summary>
public sealed partial class AccountService(TimeProvider clock)
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

        var mustSave = verified == PasswordVerificationResult.SuccessRehashNeeded || account.FailedCount != 0 || account.LockedUntil is not null;
        if (mustSave)
        {
            if (verified == PasswordVerificationResult.SuccessRehashNeeded)
            {
                account.PasswordHash = Hasher.HashPassword(account, password);
            }

            account.FailedCount = 0;
            account.LockedUntil = null;
            account.LastSignInAt = now;
            await context.SaveChangesAsync(cancellationToken);
        }
        else
        {
            await NoteSignInAsync(context, account, now, cancellationToken);
        }

        return new SignInResult(SignInOutcome.Success, account, null);
    }

    /// <summary>
    /// Writes an account's last sign-in time when that is the sign-in's only write (staff with nothing to reset, a
    /// returning citizen or organisation). On SQLite a batch import holds the write lock from its first rows to its
    /// commit (twenty seconds a million rows), so this waits only briefly: if the lock stays taken, the person signs in
    /// now and the time is written at their next sign-in.
    /// </summary>
    public static async Task NoteSignInAsync(DbContext context, Account account, DateTime now, CancellationToken cancellationToken)
    {
        var previousSignIn = account.LastSignInAt;
        account.LastSignInAt = now;
        if (!await SqliteBusyTimeout.TrySaveChangesWithoutWaitingAsync(context, cancellationToken))
        {
            account.LastSignInAt = previousSignIn;
        }
    }

    /// <summary>
    /// Creates a staff or organisation account for an operator (web page or CLI): checks the user name,
    /// the role and its unit or body, generates the first password (returned once, never stored in clear)
    /// and writes an <c>account-created</c> audit entry. Citizens get their accounts through real-name sign-in.
    /// </summary>
    /// <exception cref="AccountFieldException">A field is wrong; <see cref="AccountFieldException.Field"/> names it.</exception>
    public async Task<(Account Account, string Password)> CreateManagedAsync(ShangdingDbContext context, CatalogDefinition catalog, string? userName, string? displayName,
        string? role, string? unitCode, string actor, CancellationToken cancellationToken)
    {
        var name = (userName ?? "").Trim();
        if (!UserNamePattern().IsMatch(name))
        {
            throw new AccountFieldException("UserName", "用户名为 3–32 位小写字母、数字、点、横线或下划线，以字母开头。",
                "A user name has 3–32 lower-case letters, digits, dots, hyphens or underscores, and starts with a letter.");
        }

#pragma warning disable CA1862 // lower() in SQL, covered by the unique index
        if (await context.Accounts.AnyAsync(a => a.UserName.ToLower() == name, cancellationToken))
#pragma warning restore CA1862
        {
            throw new AccountFieldException("UserName", "该用户名已被使用。", "This user name is taken.");
        }

        var display = (displayName ?? "").Trim();
        if (display.Length is 0 or > 100)
        {
            throw new AccountFieldException("DisplayName", "请填写名称（100 字以内），如“市公安局 查询员”。", "Enter a name (up to 100 characters), e.g. the body and the person's function.");
        }

        if (role is null || !ManagedRoles.Contains(role, StringComparer.Ordinal))
        {
            throw new AccountFieldException("Role", "请选择角色。居民账户通过实名认证登录时自动建立。", "Choose a role. Residents' accounts are made when they sign in with real-name verification.");
        }

        var unit = string.IsNullOrWhiteSpace(unitCode) ? null : unitCode.Trim();
        if (role == Roles.UnitClerk && unit is null)
        {
            throw new AccountFieldException("UnitCode", "信息报送员须属于一个信息提供单位。", "A unit clerk belongs to a reporting unit.");
        }

        if (role is not (Roles.UnitClerk or Roles.GovernmentQuerier) && unit is not null)
        {
            throw new AccountFieldException("UnitCode", "只有信息报送员和政府查询员属于单位。", "Only unit clerks and government queriers belong to a unit or body.");
        }

        var catalogUnit = unit is null ? null : catalog.FindUnit(unit);
        if (unit is not null && catalogUnit is null)
        {
            throw new AccountFieldException("UnitCode", $"目录的单位表（units.yaml）中没有代码为 {unit} 的单位。", $"The catalogue's units.yaml has no unit with the code {unit}.");
        }

        var password = NewPassword();
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        if (catalogUnit is not null && !await context.Units.AnyAsync(u => u.Code == catalogUnit.Code, cancellationToken))
        {
            // A unit of units.yaml that nothing has used yet: its row first (the account refers to it).
            context.Units.Add(new Unit { Code = catalogUnit.Code, NameZh = catalogUnit.NameZh, NameEn = catalogUnit.NameEn, CreatedAt = clock.GetUtcNow().UtcDateTime });
            await context.SaveChangesAsync(cancellationToken);
        }

        var account = await CreateAsync(context, name, display, role, password, unit, null, cancellationToken);
        await AuditAsync(context, transaction, "account-created", account, actor, $"{account.UserName} ({account.Role}{(unit is null ? "" : ", " + unit)})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (account, password);
    }

    /// <summary>Disables or re-enables an account; disabling ends its sessions and stops its API tokens at once. Audited.</summary>
    public async Task<Account> SetDisabledAsync(ShangdingDbContext context, long accountId, bool disabled, long? actingAccountId, string actor, CancellationToken cancellationToken)
    {
        if (disabled && accountId == actingAccountId)
        {
            throw new AccessException("不能停用自己的账户。", "You cannot disable your own account.");
        }

        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var account = await FindManagedAsync(context, accountId, cancellationToken);
        if (account.Disabled != disabled)
        {
            account.Disabled = disabled;
            account.SessionVersion++;
            await context.SaveChangesAsync(cancellationToken);
            await AuditAsync(context, transaction, disabled ? "account-disabled" : "account-enabled", account, actor, account.UserName, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return account;
    }

    /// <summary>Sets a new generated password (returned once), lifts a lockout and ends the account's sessions. Audited.</summary>
    public async Task<(Account Account, string Password)> ResetPasswordAsync(ShangdingDbContext context, long accountId, string actor, CancellationToken cancellationToken)
    {
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var account = await FindManagedAsync(context, accountId, cancellationToken);
        var password = NewPassword();
        account.PasswordHash = Hasher.HashPassword(account, password);
        account.FailedCount = 0;
        account.LockedUntil = null;
        account.SessionVersion++;
        await context.SaveChangesAsync(cancellationToken);
        await AuditAsync(context, transaction, "account-password-reset", account, actor, account.UserName, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (account, password);
    }

    /// <summary>Lifts a lockout after repeated wrong passwords, without changing the password. Audited.</summary>
    public async Task<Account> UnlockAsync(ShangdingDbContext context, long accountId, string actor, CancellationToken cancellationToken)
    {
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var account = await FindManagedAsync(context, accountId, cancellationToken);
        account.FailedCount = 0;
        account.LockedUntil = null;
        await context.SaveChangesAsync(cancellationToken);
        await AuditAsync(context, transaction, "account-unlocked", account, actor, account.UserName, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return account;
    }

    /// <summary>Whether a session of this account signed in at <paramref name="sessionVersion"/> may go on.</summary>
    public static async Task<bool> SessionValidAsync(ShangdingDbContext context, long accountId, int sessionVersion, CancellationToken cancellationToken) =>
        await context.Accounts.AsNoTracking().AnyAsync(a => a.Id == accountId && !a.Disabled && a.SessionVersion == sessionVersion, cancellationToken);

    /// <summary>The roles an operator creates accounts for (residents come through real-name sign-in).</summary>
    public static IReadOnlyList<string> ManagedRoles { get; } = [Roles.Operator, Roles.Auditor, Roles.UnitClerk, Roles.GovernmentQuerier, Roles.ThirdParty];

    private static async Task<Account> FindManagedAsync(ShangdingDbContext context, long accountId, CancellationToken cancellationToken)
    {
        var account = await context.Accounts.FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null || Roles.IsSubject(account.Role))
        {
            // Residents' and organisations' own accounts are theirs: opened by verified sign-in, not managed by staff.
            throw new AccessException("没有该账户。", "No such account.");
        }

        return account;
    }

    private async Task AuditAsync(ShangdingDbContext context, IDbContextTransaction transaction, string kind, Account account, string actor, string summary, CancellationToken cancellationToken)
    {
        var content = string.Create(CultureInfo.InvariantCulture,
            $"{account.Id}:{account.UserName}:{account.Role}:{account.UnitCode}:{account.Disabled}:{account.SessionVersion}");
        await AuditChain.AppendAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(),
            context.Database.IsNpgsql() ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, kind, account.Id, actor, summary,
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))), clock.GetUtcNow().UtcDateTime, cancellationToken);
    }

    /// <summary>16 characters from an alphabet without look-alikes (no 0/O, 1/l/I): about 90 bits.</summary>
    private static string NewPassword()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(16, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    [GeneratedRegex("^[a-z][a-z0-9._-]{2,31}$")]
    private static partial Regex UserNamePattern();

    private static readonly string DummyHash = Hasher.HashPassword(new Account { UserName = "", DisplayName = "", Role = "", PasswordHash = "" }, "not-a-real-password");
}
