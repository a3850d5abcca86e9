export type { PGliteLike, PgliteJournalOptions } from './pglite-journal.js';
export { pgliteJournal } from './pglite-journal.js';
export type { PgPool, PgPoolClient, PostgresJournalOptions } from './postgres-journal.js';
export { postgresJournal } from './postgres-journal.js';
export type { SqlJournalOptions } from './sql-journal.js';
