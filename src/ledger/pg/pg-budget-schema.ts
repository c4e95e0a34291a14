/**
 * The fleet budget in PostgreSQL's dialect: one row per budget window (day, week, month), locked while a
 * reservation is checked; reservations held by live instances; one settlement per reservation, written
 * once; and each instance's outage lease.
 *
 * The invariant, kept under the window's row lock: spent + reserved + every instance's lease ≤ the cap. A
 * lease is budget set aside for one instance alone: the others' reservations never touch it, so whatever
 * part of the fleet loses the database, each cut-off instance spends at most its lease, and the fleet
 * stays within the cap. An instance's own reservations draw on the shared pool first, then on its lease;
 * each of its calls moves its lease toward its share of what remains. A lease is only ever lowered below
 * what the instance already believes down to a floor the instance sent (and believes from the moment it
 * sends it), so a lost answer never leaves an instance believing in more than it holds. Calls carry the
 * instance's generation: one from before it last gave its lease up is refused whole.
 */
export const BUDGET_SCHEMA = `
   CREATE TABLE budget_windows (
     window_key TEXT PRIMARY KEY,
     spent_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
     reserved_usd DOUBLE PRECISION NOT NULL DEFAULT 0
   );
   -- generation: raised each time the instance gives its lease up; a call from before (answered or not,
   -- it may still be on its way) then changes nothing.
   CREATE TABLE budget_instances (
     instance TEXT PRIMARY KEY,
     seen_at TIMESTAMPTZ NOT NULL,
     generation BIGINT NOT NULL DEFAULT 0
   );
   CREATE TABLE budget_leases (
     instance TEXT NOT NULL,
     window_key TEXT NOT NULL,
     usd DOUBLE PRECISION NOT NULL,
     PRIMARY KEY (instance, window_key)
   );
   -- Orders the answers an instance gets about its lease: the newest one is what it holds.
   CREATE SEQUENCE budget_lease_seq;
   CREATE TABLE budget_reservations (
     id UUID PRIMARY KEY,
     instance TEXT NOT NULL,
     windows TEXT[] NOT NULL,
     amount_usd DOUBLE PRECISION NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now()
   );
   CREATE INDEX budget_reservations_instance ON budget_reservations (instance);
   CREATE TABLE budget_settlements (
     id UUID PRIMARY KEY,
     windows TEXT[] NOT NULL,
     amount_usd DOUBLE PRECISION NOT NULL,
     settled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     expired BOOLEAN NOT NULL DEFAULT false
   );
   CREATE FUNCTION hybridllm_others_leases(p_window TEXT, p_instance TEXT)
   RETURNS DOUBLE PRECISION LANGUAGE sql STABLE AS $$
     SELECT COALESCE(SUM(usd), 0) FROM budget_leases WHERE window_key = p_window AND instance <> p_instance
   $$;
   -- Moves an instance's lease toward its share (p_share, or 1/live instances when null) of what remains,
   -- raising it only from budget nobody holds and lowering it no further than min(lease, p_floor). The
   -- window's row must be locked. Returns the new lease.
   CREATE FUNCTION hybridllm_adjust_lease(p_instance TEXT, p_window TEXT, p_cap DOUBLE PRECISION, p_floor DOUBLE PRECISION, p_share DOUBLE PRECISION, p_dead INTERVAL)
   RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
   DECLARE
     v_own DOUBLE PRECISION;
     v_committed DOUBLE PRECISION;
     v_free DOUBLE PRECISION;
     v_share DOUBLE PRECISION := p_share;
     v_new DOUBLE PRECISION;
   BEGIN
     SELECT COALESCE((SELECT usd FROM budget_leases WHERE instance = p_instance AND window_key = p_window), 0) INTO v_own;
     SELECT spent_usd + reserved_usd INTO v_committed FROM budget_windows WHERE window_key = p_window;
     v_free := p_cap - v_committed - hybridllm_others_leases(p_window, p_instance);
     IF v_share IS NULL THEN
       SELECT 1.0 / GREATEST(COUNT(*), 1) INTO v_share FROM budget_instances WHERE seen_at >= now() - p_dead;
     END IF;
     v_new := GREATEST(LEAST(v_own, p_floor), LEAST(v_share * GREATEST(p_cap - v_committed, 0), GREATEST(v_own, v_free)));
     v_new := GREATEST(v_new, 0);
     INSERT INTO budget_leases (instance, window_key, usd) VALUES (p_instance, p_window, v_new)
       ON CONFLICT (instance, window_key) DO UPDATE SET usd = excluded.usd;
     RETURN v_new;
   END $$;
   -- Check and reserve a batch of calls at once, atomically: the windows' rows are locked (in key order, so
   -- two instances never deadlock), each call is granted in turn while every cap still holds it beside the
   -- others' leases, the granted ones are charged and recorded, and what they took beyond the shared pool
   -- comes out of this instance's lease; the others get nothing. The lease is then adjusted.
   CREATE FUNCTION hybridllm_reserve(p_ids UUID[], p_instance TEXT, p_windows TEXT[], p_caps DOUBLE PRECISION[], p_amounts DOUBLE PRECISION[], p_floors DOUBLE PRECISION[], p_share DOUBLE PRECISION, p_dead INTERVAL, p_generation BIGINT)
   RETURNS TABLE (granted BOOLEAN[], committed DOUBLE PRECISION[], lease DOUBLE PRECISION[], seq BIGINT, live INTEGER) LANGUAGE plpgsql AS $$
   DECLARE
     v_committed DOUBLE PRECISION[];
     v_others DOUBLE PRECISION[];
     v_granted BOOLEAN[] := '{}';
     v_lease DOUBLE PRECISION[] := '{}';
     v_total DOUBLE PRECISION := 0;
     v_fits BOOLEAN;
     v_stale BOOLEAN;
   BEGIN
     INSERT INTO budget_windows (window_key) SELECT unnest(p_windows) ON CONFLICT DO NOTHING;
     PERFORM 1 FROM budget_windows WHERE window_key = ANY(p_windows) ORDER BY window_key FOR UPDATE;
     SELECT COALESCE((SELECT generation > p_generation FROM budget_instances WHERE instance = p_instance), false) INTO v_stale;
     IF v_stale THEN
       RETURN QUERY SELECT array_fill(false, ARRAY[coalesce(array_length(p_ids, 1), 0)]), NULL::float8[], NULL::float8[], 0::bigint, 0;
       RETURN;
     END IF;
     INSERT INTO budget_instances (instance, seen_at, generation) VALUES (p_instance, now(), p_generation)
       ON CONFLICT (instance) DO UPDATE SET seen_at = now(),
         generation = GREATEST(budget_instances.generation, excluded.generation);
     SELECT array_agg(w.spent_usd + w.reserved_usd ORDER BY k.i), array_agg(hybridllm_others_leases(k.key, p_instance) ORDER BY k.i)
       INTO v_committed, v_others
       FROM unnest(p_windows) WITH ORDINALITY AS k(key, i) JOIN budget_windows w ON w.window_key = k.key;
     FOR j IN 1 .. coalesce(array_length(p_amounts, 1), 0) LOOP
       -- An ask already settled (its answer was lost and a settlement of nothing replayed) is not granted.
       v_fits := NOT EXISTS (SELECT 1 FROM budget_settlements WHERE id = p_ids[j]);
       FOR k IN 1 .. array_length(p_windows, 1) LOOP
         IF v_committed[k] + v_others[k] + v_total + p_amounts[j] > p_caps[k] + 1e-12 THEN v_fits := false; END IF;
       END LOOP;
       IF v_fits THEN v_total := v_total + p_amounts[j]; END IF;
       v_granted := v_granted || v_fits;
     END LOOP;
     UPDATE budget_windows SET reserved_usd = reserved_usd + v_total WHERE window_key = ANY(p_windows);
     INSERT INTO budget_reservations (id, instance, windows, amount_usd)
       SELECT g.id, p_instance, p_windows, g.amount FROM unnest(p_ids, p_amounts, v_granted) AS g(id, amount, ok) WHERE g.ok;
     UPDATE budget_leases l SET usd = LEAST(l.usd, GREATEST(0, t.cap - t.c - v_total - t.o))
       FROM unnest(p_windows, p_caps, v_committed, v_others) AS t(key, cap, c, o)
       WHERE l.instance = p_instance AND l.window_key = t.key;
     FOR k IN 1 .. array_length(p_windows, 1) LOOP
       v_lease := v_lease || hybridllm_adjust_lease(p_instance, p_windows[k], p_caps[k], p_floors[k], p_share, p_dead);
     END LOOP;
     RETURN QUERY SELECT v_granted,
       (SELECT array_agg(c + v_total ORDER BY o) FROM unnest(v_committed) WITH ORDINALITY AS t(c, o)),
       v_lease, nextval('budget_lease_seq'),
       (SELECT COUNT(*)::int FROM budget_instances WHERE seen_at >= now() - p_dead);
   END $$;
   -- The heartbeat: this instance is alive, its lease is adjusted, and it reads what the fleet committed.
   CREATE FUNCTION hybridllm_beat(p_instance TEXT, p_windows TEXT[], p_caps DOUBLE PRECISION[], p_floors DOUBLE PRECISION[], p_share DOUBLE PRECISION, p_dead INTERVAL, p_generation BIGINT)
   RETURNS TABLE (committed DOUBLE PRECISION[], lease DOUBLE PRECISION[], seq BIGINT, live INTEGER) LANGUAGE plpgsql AS $$
   DECLARE
     v_lease DOUBLE PRECISION[] := '{}';
   BEGIN
     INSERT INTO budget_windows (window_key) SELECT unnest(p_windows) ON CONFLICT DO NOTHING;
     PERFORM 1 FROM budget_windows WHERE window_key = ANY(p_windows) ORDER BY window_key FOR UPDATE;
     IF EXISTS (SELECT 1 FROM budget_instances WHERE instance = p_instance AND generation > p_generation) THEN
       RETURN QUERY SELECT NULL::float8[], NULL::float8[], 0::bigint, 0;
       RETURN;
     END IF;
     INSERT INTO budget_instances (instance, seen_at, generation) VALUES (p_instance, now(), p_generation)
       ON CONFLICT (instance) DO UPDATE SET seen_at = now(),
         generation = GREATEST(budget_instances.generation, excluded.generation);
     FOR k IN 1 .. array_length(p_windows, 1) LOOP
       v_lease := v_lease || hybridllm_adjust_lease(p_instance, p_windows[k], p_caps[k], p_floors[k], p_share, p_dead);
     END LOOP;
     RETURN QUERY SELECT
       (SELECT array_agg(w.spent_usd + w.reserved_usd ORDER BY k.i) FROM unnest(p_windows) WITH ORDINALITY AS k(key, i) JOIN budget_windows w ON w.window_key = k.key),
       v_lease, nextval('budget_lease_seq'),
       (SELECT COUNT(*)::int FROM budget_instances WHERE seen_at >= now() - p_dead);
   END $$;
   -- Back after an outage: calls still running on the lease, and calls whose settlement is still on its way,
   -- become reservations (one already settled is left out), and the lease they came from is given up: the
   -- instance takes generation p_generation and believes in no lease until it asks again. Returns the
   -- reservations adopted.
   CREATE FUNCTION hybridllm_adopt(p_instance TEXT, p_ids UUID[], p_windows TEXT[], p_amounts DOUBLE PRECISION[], p_generation BIGINT)
   RETURNS INTEGER LANGUAGE plpgsql AS $$
   DECLARE
     v_n INTEGER;
   BEGIN
     PERFORM 1 FROM budget_windows
       WHERE window_key IN (SELECT unnest(string_to_array(w, '|')) FROM unnest(p_windows) AS w)
       ORDER BY window_key FOR UPDATE;
     WITH adopted AS (INSERT INTO budget_reservations (id, instance, windows, amount_usd)
                      SELECT id, p_instance, string_to_array(w, '|'), a FROM unnest(p_ids, p_windows, p_amounts) AS t(id, w, a)
                      WHERE NOT EXISTS (SELECT 1 FROM budget_settlements s WHERE s.id = t.id)
                      ON CONFLICT (id) DO NOTHING RETURNING windows, amount_usd),
          sums AS (SELECT unnest(windows) AS key, SUM(amount_usd) AS usd FROM adopted GROUP BY key)
     UPDATE budget_windows w SET reserved_usd = reserved_usd + sums.usd FROM sums WHERE w.window_key = sums.key;
     GET DIAGNOSTICS v_n = ROW_COUNT;
     UPDATE budget_instances SET generation = GREATEST(generation, p_generation) WHERE instance = p_instance;
     UPDATE budget_leases SET usd = 0 WHERE instance = p_instance;
     RETURN v_n;
   END $$;
   -- Settle a batch once each: a reservation still held is released and the actual cost spent. A settlement
   -- that arrives again (a replayed spool) or after its reservation expired finds its id taken and changes
   -- nothing. p_windows holds each settlement's windows joined by '|'.
   CREATE FUNCTION hybridllm_settle(p_ids UUID[], p_windows TEXT[], p_actual DOUBLE PRECISION[])
   RETURNS INTEGER LANGUAGE plpgsql AS $$
   DECLARE
     v_n INTEGER;
   BEGIN
     INSERT INTO budget_windows (window_key)
       SELECT DISTINCT unnest(string_to_array(w, '|')) FROM unnest(p_windows) AS w ON CONFLICT DO NOTHING;
     PERFORM 1 FROM budget_windows
       WHERE window_key IN (SELECT unnest(string_to_array(w, '|')) FROM unnest(p_windows) AS w)
       ORDER BY window_key FOR UPDATE;
     WITH input AS (SELECT * FROM unnest(p_ids, p_windows, p_actual) AS t(id, windows, actual)),
     fresh AS (INSERT INTO budget_settlements (id, windows, amount_usd)
               SELECT id, string_to_array(windows, '|'), actual FROM input ON CONFLICT (id) DO NOTHING
               RETURNING id, windows, amount_usd),
     released AS (DELETE FROM budget_reservations r USING fresh f WHERE r.id = f.id RETURNING r.windows, r.amount_usd),
     deltas AS (SELECT key, SUM(spend) AS spend, SUM(release) AS release FROM (
                  SELECT unnest(windows) AS key, amount_usd AS spend, 0::float8 AS release FROM fresh
                  UNION ALL SELECT unnest(windows), 0::float8, amount_usd FROM released) d GROUP BY key)
     UPDATE budget_windows w SET spent_usd = spent_usd + d.spend, reserved_usd = GREATEST(reserved_usd - d.release, 0)
       FROM deltas d WHERE w.window_key = d.key;
     GET DIAGNOSTICS v_n = ROW_COUNT;
     RETURN v_n;
   END $$;
   -- An instance not heard from for p_timeout is dead: its reservations become spend at their worst case (the
   -- provider may have billed the call; its settlement died with the instance) and are released, and its
   -- lease goes back to the fleet. (A live instance cut off for that long has stopped spending its lease.)
   CREATE FUNCTION hybridllm_expire(p_timeout INTERVAL) RETURNS INTEGER LANGUAGE plpgsql AS $$
   DECLARE
     r RECORD;
     n INTEGER := 0;
   BEGIN
     FOR r IN SELECT b.id, b.windows, b.amount_usd FROM budget_reservations b
              LEFT JOIN budget_instances i ON i.instance = b.instance
              WHERE COALESCE(i.seen_at, b.created_at) < now() - p_timeout
              FOR UPDATE OF b SKIP LOCKED LOOP
       PERFORM 1 FROM budget_windows WHERE window_key = ANY(r.windows) ORDER BY window_key FOR UPDATE;
       DELETE FROM budget_reservations WHERE id = r.id;
       INSERT INTO budget_settlements (id, windows, amount_usd, expired) VALUES (r.id, r.windows, r.amount_usd, true)
         ON CONFLICT (id) DO NOTHING;
       UPDATE budget_windows SET reserved_usd = GREATEST(reserved_usd - r.amount_usd, 0),
                                 spent_usd = spent_usd + r.amount_usd
         WHERE window_key = ANY(r.windows);
       n := n + 1;
     END LOOP;
     DELETE FROM budget_leases l USING budget_instances i
       WHERE i.instance = l.instance AND i.seen_at < now() - p_timeout;
     RETURN n;
   END $$;
   -- A clean stop: the lease goes back to the fleet and the instance no longer counts as live.
   CREATE FUNCTION hybridllm_leave(p_instance TEXT) RETURNS VOID LANGUAGE sql AS $$
     DELETE FROM budget_leases WHERE instance = p_instance;
     DELETE FROM budget_instances WHERE instance = p_instance
       AND NOT EXISTS (SELECT 1 FROM budget_reservations WHERE instance = p_instance);
   $$;`;
