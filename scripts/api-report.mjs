// API reports: API Extractor's `*.api.md` of every published entry point, from the built `.d.ts` (this
// script does not build), checked in as packages/<p>/etc/<name>.api.md and <name>-testing.api.md.
//
//   node scripts/api-report.mjs            (`pnpm api:report`, which builds first) the only writer of the reports
//   node scripts/api-report.mjs --check    (`pnpm check:api`) compares and touches nothing: exits 1 with a
//                                          diff when a report on disk differs from the built surface
//   --reports <dir>                        read/write the reports under <dir>/packages/<p>/etc instead of
//                                          the repository's (for tests)
//   --only <folder,…>                      only these packages (folder names under packages/)
//
// API Extractor always writes into a temporary directory; this script then copies or compares, so that the
// check cannot modify a file and its diff is the one a reviewer sees.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    reports: { type: 'string', default: root },
    only: { type: 'string' },
  },
});

// Why each message that is not an error is configured as it is.
const messages = {
  compilerMessageReporting: { default: { logLevel: 'error' } },
  extractorMessageReporting: {
    default: { logLevel: 'error' },
    // These packages mark no release tags (@public/@beta): everything an entry point exports is public.
    'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
    // Documenting every exported member is no policy here (the generated types carry the specs'
    // descriptions where the specs have them); the report is about the shape.
    'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
    // A type that the surface uses but the entry point does not export (users can reach it only through
    // Parameters<> and the like) is a finding for review, noted in the report where it occurs; not an
    // error, since exporting it is a decision about the API, taken in review.
    'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
  },
  // The doc comments are JSDoc for editors' hovers, not TSDoc: openapi-typescript writes @description,
  // @enum, @default and @example (about 740 "undefined tag" messages), and prose has bare braces and code
  // spans that wrap lines. API Extractor parses them only for the doc model, which is not built.
  tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
};

/** Every published entry point: package folder, the report's name, the built `.d.ts`. */
function entryPoints() {
  const only = options.only?.split(',');
  return readdirSync(join(root, 'packages')).flatMap((folder) => {
    if (only && !only.includes(folder)) return [];
    const manifest = join(root, 'packages', folder, 'package.json');
    if (!existsSync(manifest)) return [];
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (pkg.private) return [];
    const unscoped = pkg.name.replace(/^@[^/]+\//, '');
    return Object.entries(pkg.exports)
      .filter(([, target]) => typeof target === 'object' && target.types)
      .map(([subpath, target]) => ({
        folder,
        report: subpath === '.' ? unscoped : `${unscoped}-${subpath.slice(2).replaceAll('/', '-')}`,
        types: join(root, 'packages', folder, target.types),
      }));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'refundkit-api-report-'));
const problems = [];
let written = 0;
const started = performance.now();
const entries = entryPoints();
// A report that no entry point produces any more (an entry point removed or renamed).
for (const folder of new Set(entries.map((entry) => entry.folder))) {
  const etc = join(options.reports, 'packages', folder, 'etc');
  const produced = new Set(entries.filter((e) => e.folder === folder).map((e) => `${e.report}.api.md`));
  const stale = existsSync(etc)
    ? readdirSync(etc).filter((f) => f.endsWith('.api.md') && !produced.has(f))
    : [];
  for (const file of stale) {
    if (options.check) problems.push(`packages/${folder}/etc/${file}: no entry point produces it`);
    else {
      rmSync(join(etc, file));
      written += 1;
    }
  }
}
try {
  for (const entry of entries) {
    const label = `packages/${entry.folder}/etc/${entry.report}.api.md`;
    if (!existsSync(entry.types)) {
      problems.push(`${label}: ${relative(root, entry.types)} is not built (run \`pnpm build\` first)`);
      continue;
    }
    const projectFolder = join(root, 'packages', entry.folder);
    const config = ExtractorConfig.prepare({
      configObjectFullPath: undefined,
      packageJsonFullPath: join(projectFolder, 'package.json'),
      configObject: {
        projectFolder,
        mainEntryPointFilePath: entry.types,
        // The program is the entry's `.d.ts` and what it imports; other packages' types stay imports.
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              module: 'NodeNext',
              moduleResolution: 'NodeNext',
              target: 'ES2023',
              lib: ['ES2023'],
              types: ['node'],
              strict: true,
              skipLibCheck: true,
            },
            files: [entry.types],
          },
        },
        apiReport: {
          enabled: true,
          reportFileName: entry.report,
          reportFolder: scratch,
          reportTempFolder: join(scratch, 'temp'),
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        newlineKind: 'lf',
        messages,
      },
    });
    const result = Extractor.invoke(config, {
      localBuild: true,
      showVerboseMessages: false,
      messageCallback(message) {
        // Writing into the empty scratch folder always "creates" the report: that is the point.
        if (message.messageId === 'console-api-report-created') message.logLevel = 'none';
        // "Analysis will use the bundled TypeScript version …" is said for every entry point: once is enough.
        if (message.messageId === 'console-preamble' && entry !== entries[0]) message.logLevel = 'none';
      },
    });
    if (!result.succeeded) {
      problems.push(`${label}: API Extractor reported ${result.errorCount} error(s), shown above`);
      continue;
    }
    const fresh = join(scratch, `${entry.report}.api.md`);
    const onDisk = join(options.reports, 'packages', entry.folder, 'etc', `${entry.report}.api.md`);
    if (!options.check) {
      mkdirSync(dirname(onDisk), { recursive: true });
      if (!existsSync(onDisk) || readFileSync(onDisk, 'utf8') !== readFileSync(fresh, 'utf8')) written += 1;
      cpSync(fresh, onDisk);
    } else if (!existsSync(onDisk)) {
      problems.push(`${label}: missing`);
    } else if (readFileSync(onDisk, 'utf8') !== readFileSync(fresh, 'utf8')) {
      const diff = spawnSync(
        'git',
        ['diff', '--no-index', '--no-color', '--unified=2', '--', onDisk, fresh],
        {
          encoding: 'utf8',
        },
      );
      const hunks = diff.stdout
        .split('\n')
        .filter((line) => /^(@@|[-+](?![-+]{2} ))/.test(line))
        .slice(0, 40);
      problems.push(`${label}: differs\n${hunks.map((line) => `    ${line}`).join('\n')}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (problems.length > 0) {
  console.error(
    (options.check
      ? '\nThe public API differs from its committed report (- report, + built surface):'
      : '\nAPI reports could not be made:') +
      `\n\n${problems.join('\n\n')}\n\n` +
      (options.check
        ? 'Nothing was changed. If the change is intended, run `pnpm api:report` (it builds first; the only writer ' +
          'of the reports), commit the reports with the change, and add a changeset for the packages concerned.'
        : 'No report was written for the entry points above.'),
  );
  process.exit(1);
}
console.log(
  options.check
    ? `API reports of ${entries.length} entry points match the built packages (API Extractor ${Extractor.version}, ${seconds} s).`
    : `API reports of ${entries.length} entry points written, ${written} changed or removed (API Extractor ${Extractor.version}, ${seconds} s).`,
);
