-- 0018: a subject's look-up key (id_hash) is the first 128 bits of the keyed HMAC of its identifier, 32 hex
-- characters, not all 256 bits (64). The unique index on it is what every intake batch inserts into; half the
-- key made that insert markedly cheaper (an isolated test of a million new keys: PostgreSQL 10.5 → 6.8 s). The
-- prefix of the stored value is exactly the new key, so no identifier needs decrypting. Records' content
-- hashes keep the full HMAC as their subject part (IdentityProtector.ContentKey) and stay valid.
UPDATE subjects SET id_hash = substr(id_hash, 1, 32) WHERE length(id_hash) = 64;
