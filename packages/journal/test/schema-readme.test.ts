// The schema the README documents is the one the journal creates.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { migrations, tableNames } from '../src/sql-journal.js';

it("the README's schema block is migration 1 with the default names", () => {
  const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
  const block = /```sql\n([\s\S]*?)```/.exec(readme)?.[1];
  const created = migrations(tableNames('test', {}))
    .map((migration) => migration.statements.map((statement) => `${statement};\n`).join('\n'))
    .join('\n');
  expect(block).toBe(created);
});
