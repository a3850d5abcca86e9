// Every ```ts block of every README typechecks as written, as a module of its own, against the workspace
// packages' types: strict, once with module/moduleResolution NodeNext and once with Bundler. One TypeScript
// program per mode holds all the blocks (and a deliberately broken sample, which must fail).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readmes = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((name) => `packages/${name}/README.md`),
].filter((path) => ts.sys.fileExists(join(root, path)));

interface Block {
  /** Where the block is: `README.md:52` (the line of its first code line). */
  origin: string;
  /** The file the block becomes in the program (it exists only in memory). */
  fileName: string;
  text: string;
}

function blocksOf(readme: string): Block[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    if (end < 0) throw new Error(`${readme}:${i + 1}: unclosed code block`);
    const id = `${readme.replace(/[/.]/g, '_')}_${i + 2}`;
    blocks.push({
      origin: `${readme}:${i + 2}`,
      fileName: join(root, '.readme-examples', `${id}.ts`),
      text: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

const blocks = readmes.flatMap(blocksOf);
// What must fail: a name nobody declared, and an export the package does not have.
const broken: Block = {
  origin: 'broken sample',
  fileName: join(root, '.readme-examples', 'broken_sample.ts'),
  text: [
    "import { createRefunds, refundEverything, smartpay } from 'refundkit';",
    'createRefunds({ providers: { smartpay: smartpay({ secretKey: undeclaredKey }) } });',
    'refundEverything();',
  ].join('\n'),
};

// The root tsconfig's options (strict, its `paths` to the packages' sources) with the mode under test.
const base = ts.parseJsonConfigFileContent(
  ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config,
  ts.sys,
  root,
).options;
const modes = {
  NodeNext: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
  Bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
};

/** The diagnostics of each in-memory file, as `origin:line:column message` lines. */
function typecheck(mode: keyof typeof modes, files: Block[]): Map<Block, string[]> {
  const options: ts.CompilerOptions = {
    ...base,
    ...modes[mode],
    noEmit: true,
    // A README block is a file of its own, imports or not (top-level await included).
    moduleDetection: ts.ModuleDetectionKind.Force,
  };
  const byName = new Map(files.map((file) => [file.fileName, file]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => byName.has(name) || fileExists(name);
  host.readFile = (name) => byName.get(name)?.text ?? readFile(name);
  host.getSourceFile = (name, languageVersion, ...rest) => {
    const file = byName.get(name);
    return file
      ? ts.createSourceFile(name, file.text, languageVersion)
      : getSourceFile(name, languageVersion, ...rest);
  };
  const program = ts.createProgram([...byName.keys()], options, host);
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length) throw new Error(ts.formatDiagnostics(global, host));
  return new Map(
    files.map((file) => {
      const source = program.getSourceFile(file.fileName)!;
      const diagnostics = [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ];
      return [
        file,
        diagnostics.map((diagnostic) => {
          const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
          const [readme, first] = file.origin.split(':');
          const where = first ? `${readme}:${Number(first) + line}:${character + 1}` : file.origin;
          return `${where} TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
        }),
      ];
    }),
  );
}

describe('README examples', () => {
  it('finds the TypeScript blocks of every README', () => {
    expect(readmes).toContain('README.md');
    expect(readmes).toContain('packages/refundkit/README.md');
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    for (const readme of readmes.filter((path) => path !== 'packages/core/README.md'))
      expect(blocks.some((block) => block.origin.startsWith(`${readme}:`))).toBe(true);
  });

  for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
    it(`typechecks every block as written (${mode})`, () => {
      const diagnostics = typecheck(mode, [...blocks, broken]);
      // The broken sample proves the check can fail: an undeclared name and a missing export.
      expect(diagnostics.get(broken)!.join('\n')).toMatch(/TS2304 Cannot find name 'undeclaredKey'/);
      expect(diagnostics.get(broken)!.join('\n')).toMatch(
        /TS2305 .*has no exported member 'refundEverything'/,
      );
      expect(blocks.flatMap((block) => diagnostics.get(block)!)).toEqual([]);
    }, 120_000);
  }
});
