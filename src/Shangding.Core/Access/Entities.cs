namespace Shangding.Core.Data;

/// <summary>
/// A citizen's written (electronic) authorization of an organisation (seed 003 §18): what it may see
/// (<see cref="Scope"/>), why, until when. The code the citizen hands over is stored only as a
/// SHA-256 hash; revoking takes effect at once.
/// </summary>
public sealed class AccessGrant
{
    public long Id { get; set; }
    public long SubjectId { get; set; }

    /// <summary>The third-party organisation's account the grant is for.</summary>
    public long RecipientAccountId { get; set; }

    public required string RecipientName { get; set; }

    /// <summary><c>level</c>, <c>score</c>, <c>report</c> or <c>benefit</c> (see <see cref="Access.GrantScopes"/>).</summary>
    public required string Scope { get; set; }

    /// <summary>The one benefit a <c>benefit</c> grant lets the organisation check.</summary>
    public string? Benefit { get; set; }

    public required string Purpose { get; set; }
    public required string CodeHash { get; set; }

    /// <summary>The last four characters of the code, so the citizen can tell their grants apart.</summary>
    public required string CodeHint { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public int UseCount { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

/// <summary>An API credential of a querying account (third-party organisation or government body); only a hash of the secret is stored.</summary>
public sealed class AccessCredential
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    public required string KeyId { get; set; }
    public required string SecretHash { get; set; }
    public required string Label { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

/// <summary>
/// A signed checkpoint of the query log: the hash of the entry it ends at, signed with HMAC-SHA256
/// under a key from configuration, so a log rewritten from the start (hashes recomputed) is still detected.
/// Since migration 0017 it also signs the head of the audit chain, which protects the audit chain (and the
/// record history its seals cover) the same way. On an empty query log it names entry 0 and the start hash.
/// </summary>
public sealed class QueryLogCheckpoint
{
    public long Id { get; set; }
    public long LastEntryId { get; set; }
    public required string LastEntryHash { get; set; }
    public DateTime At { get; set; }
    public required string KeyId { get; set; }
    public required string Signature { get; set; }
    public long? AuditEntryId { get; set; }
    public string? AuditEntryHash { get; set; }
}

/// <summary>
/// The seal of a set of record history rows (one intake batch, the demo seed…): for every row its id and
/// a hash of its content, and a digest of the whole that goes into the audit chain. <c>audit verify</c>
/// recomputes each row's hash and names the first row altered, removed or inserted.
/// </summary>
public sealed class RecordHistorySeal
{
    public long Id { get; set; }
    public required string Kind { get; set; }
    public long? RefId { get; set; }
    public int RowCount { get; set; }
    public long? FirstChangeId { get; set; }
    public long? LastChangeId { get; set; }
    public required byte[] RowHashes { get; set; }
    public required string Digest { get; set; }
    public DateTime At { get; set; }
}
