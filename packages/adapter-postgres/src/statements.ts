import { MAX_DECISIONS } from "@rune/mrs-core";
import { quoteIdent } from "./identifiers.js";

/**
 * Decisions past {@link MAX_DECISIONS} are deleted once this many more have piled up, in one
 * batch: a commit then deletes about this many rows once in a while, instead of one on each.
 */
export const DECISIONS_PRUNE_BATCH = 1_000;

/** Changes past the number kept are deleted once this many more have piled up, in one batch. */
export const CHANGES_PRUNE_BATCH = 1_000;

/** The SQL a store runs on one schema. Numbers and JSON are selected as text and parsed by the store. */
export interface Statements {
  /** The revision (a watcher's first read, and an empty commit's check). */
  readonly head: string;
  /** `load()`, in one REPEATABLE READ transaction: the state row, the modules, the latest decisions (oldest first). */
  readonly loadState: string;
  readonly loadModules: string;
  readonly loadDecisions: string;
  /** `changesSince($1 since, $2 limit or null)`: the state row, joined with the changes after `since` unless compacted. */
  readonly changesSince: string;
  /** `commit`: see {@link commitStatement}. */
  readonly commit: string;
}

/** The statements of a schema, for a store that keeps at least `keep` changes. */
export function statementsFor(schema: string, keep: number): Statements {
  const s = quoteIdent(schema);
  return {
    head: `SELECT revision::text AS revision FROM ${s}.state WHERE id = 1`,
    loadState: `SELECT revision::text AS revision, session::text AS session FROM ${s}.state WHERE id = 1`,
    loadModules: `SELECT name, record::text AS record, state FROM ${s}.modules ORDER BY name`,
    loadDecisions: `SELECT decision::text AS decision FROM (
        SELECT seq, decision FROM ${s}.decisions ORDER BY seq DESC LIMIT ${MAX_DECISIONS}
      ) AS latest ORDER BY seq`,
    // One statement, so one snapshot: the head revision and the rows agree. The changes are read
    // only when `since` is not older than what is kept; else the answer is "compacted".
    changesSince: `SELECT st.revision::text AS head, st.oldest::text AS oldest,
        c.revision::text AS revision, c.type, c.body::text AS body
      FROM ${s}.state AS st
      LEFT JOIN LATERAL (
        SELECT revision, type, body FROM ${s}.changes
        WHERE revision > $1::bigint AND $1::bigint >= st.oldest - 1
        ORDER BY revision LIMIT $2::bigint
      ) AS c ON true
      WHERE st.id = 1
      ORDER BY c.revision`,
    commit: commitStatement(s, keep),
  };
}

/**
 * The commit: one statement, so one transaction, and PostgreSQL answers only once it is
 * committed (and the notification is sent at commit, never for a write that did not happen).
 *
 * Parameters: `$1` the expected revision, `$2` the types of the changes, `$3` a JSON array of
 * their bodies, `$4` the position of the last `session.opened` (0: none), `$5`/`$6`/`$7` the
 * positions, names and later states of the modules put, `$8` the names removed, `$9`/`$10` the
 * names and states that `module.state` changes set on modules held, `$11` the positions of the
 * decisions recorded (see `encodeBatch`: the batch reduced to its net effect, so no row is
 * touched twice), `$12` the notification channel and `$13` this handle's id.
 *
 * The compare-and-set is the `UPDATE` of the one state row `WHERE revision = $1`: of two
 * writers naming one revision, the second waits for the first's row lock, then re-checks its
 * `WHERE` against the row as committed, finds another revision and updates nothing: a conflict.
 * Every other part joins the `UPDATE`'s result (`cas`), so it does nothing unless the
 * compare-and-set succeeded. When it did, no other commit came between this statement's
 * snapshot and its row lock (it would have moved the revision), so what the statement reads of
 * the other tables is current.
 */
function commitStatement(s: string, keep: number): string {
  return `WITH
  elems AS (
    SELECT b.i::integer AS i, ($2::text[])[b.i] AS type, b.body
    FROM json_array_elements($3::json) WITH ORDINALITY AS b(body, i)
  ),
  next AS (
    SELECT st.revision + cardinality($2::text[]) AS revision,
      st.oldest AS was_oldest,
      -- Keep at least ${keep} changes; delete the older ones only once ${CHANGES_PRUNE_BATCH} more have piled up.
      CASE WHEN st.revision + cardinality($2::text[]) - st.oldest + 1 > ${keep + CHANGES_PRUNE_BATCH}
        THEN least(st.revision + cardinality($2::text[]) - ${keep} + 1, st.revision + 1)
        ELSE st.oldest END AS oldest,
      CASE WHEN $4::integer > 0 THEN 0 ELSE st.decisions END + cardinality($11::integer[]) AS decisions
    FROM ${s}.state AS st WHERE st.id = 1 AND st.revision = $1::bigint
  ),
  cas AS (
    UPDATE ${s}.state AS st SET
      revision = n.revision,
      oldest = n.oldest,
      session = coalesce((SELECT e.body FROM elems AS e WHERE e.i = $4::integer), st.session),
      -- The latest ${MAX_DECISIONS} decisions; the older ones go once ${DECISIONS_PRUNE_BATCH} more have piled up.
      decisions = CASE WHEN n.decisions > ${MAX_DECISIONS + DECISIONS_PRUNE_BATCH} THEN ${MAX_DECISIONS} ELSE n.decisions END,
      committed_at = now()
    FROM next AS n
    WHERE st.id = 1 AND st.revision = $1::bigint
    RETURNING st.revision, st.oldest, n.was_oldest, n.decisions - st.decisions AS pruned_decisions
  ),
  logged AS (
    INSERT INTO ${s}.changes (revision, type, body)
    SELECT $1::bigint + e.i, e.type, e.body FROM cas, elems AS e
  ),
  dropped_modules AS (
    DELETE FROM ${s}.modules AS m USING cas
    WHERE ($4::integer > 0 AND m.name <> ALL($6::text[])) OR m.name = ANY($8::text[])
  ),
  put_modules AS (
    INSERT INTO ${s}.modules (name, record, revision, state)
    SELECT p.name, e.body, $1::bigint + e.i, p.state
    FROM cas, unnest($5::integer[], $6::text[], $7::text[]) AS p(i, name, state) JOIN elems AS e ON e.i = p.i
    ON CONFLICT (name) DO UPDATE SET record = excluded.record, revision = excluded.revision, state = excluded.state
  ),
  stated_modules AS (
    UPDATE ${s}.modules AS m SET state = n.state
    FROM cas, unnest($9::text[], $10::text[]) AS n(name, state)
    WHERE m.name = n.name
  ),
  dropped_decisions AS (
    DELETE FROM ${s}.decisions USING cas WHERE $4::integer > 0
  ),
  recorded_decisions AS (
    INSERT INTO ${s}.decisions (seq, decision)
    SELECT $1::bigint + e.i, e.body FROM cas, unnest($11::integer[]) AS r(i) JOIN elems AS e ON e.i = r.i
  ),
  pruned_decisions AS (
    DELETE FROM ${s}.decisions WHERE seq IN (
      SELECT seq FROM ${s}.decisions ORDER BY seq
      LIMIT (SELECT coalesce(max(pruned_decisions), 0) FROM cas)
    )
  ),
  pruned_changes AS (
    DELETE FROM ${s}.changes AS c USING cas
    WHERE cas.oldest > cas.was_oldest AND c.revision >= cas.was_oldest AND c.revision < cas.oldest
  )
SELECT revision::text AS revision, pg_notify($12::text, revision::text || ' ' || $13::text) FROM cas`;
}
