\set aid random(1, 100000)
\set delta random(1, 500)
\set key random(1, 9000000000000000000)
BEGIN;
INSERT INTO ledger(account, delta, idempotency_key) VALUES (:aid, :delta, 'ord-' || :key) ON CONFLICT DO NOTHING;
UPDATE accounts SET balance = balance + :delta WHERE aid = :aid;
COMMIT;
