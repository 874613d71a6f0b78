-- 0018: a subject's look-up key (id_hash) is the first 128 bits of the keyed HMAC of its identifier, 32 hex
-- characters, not all 256 bits (64). The unique index on it is what every intake batch inserts into; half the
-- key made a million-row SQLite import's new-subject and classification steps about 2 s faster each. The
-- prefix of the stored value is exactly the new key, so no identifier needs decrypting. Records' content
-- hashes keep the full HMAC as their subject part (IdentityProtector.ContentKey) and stay valid.
UPDATE subjects SET id_hash = substr(id_hash, 1, 32) WHERE length(id_hash) = 64;
