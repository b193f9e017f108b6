import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/node-child.js';

/** Where the emitted declarations live, in memory: inside the repository, so `apache-arrow` resolves from its node_modules. */
const OUT = join(ROOT, '.declarations-check');
/** What a project without the postgres typings lacks: `@types/pg`, `@types/pg-copy-streams` (pg itself ships no types). */
const HIDDEN = /\/node_modules\/(@types\/)?pg(-copy-streams)?\//;

/** The declaration files `tsc` writes for `destinations/postgres/index.ts` and what it imports, by path. */
function emitDeclarations(): Map<string, string> {
  const files = new Map<string, string>();
  const program = ts.createProgram([join(ROOT, 'destinations/postgres/index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: ROOT,
    outDir: OUT,
  });
  program.emit(undefined, (path, text) => files.set(path, text));
  files.set(join(OUT, 'package.json'), '{ "type": "module" }');
  return files;
}

describe('notionflow/destinations/postgres', () => {
  it('type-checks in a strict project without @types/pg (no pg types in its declarations)', () => {
    const files = emitDeclarations();
    const consumer = join(OUT, 'consumer.ts');
    files.set(
      consumer,
      `import { postgres, type PostgresConfig } from './destinations/postgres/index.js';
const config: PostgresConfig = { credentials: 'postgresql://loader@localhost:5432/analytics' };
export const name: string = postgres(config).name;
`,
    );
    const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: false, types: ['node'] };
    const host = ts.createCompilerHost(options);
    const inner = { fileExists: host.fileExists, readFile: host.readFile, directoryExists: host.directoryExists!, getSourceFile: host.getSourceFile };
    host.fileExists = (path) => files.has(path) || (!HIDDEN.test(path) && inner.fileExists(path));
    host.readFile = (path) => files.get(path) ?? (HIDDEN.test(path) ? undefined : inner.readFile(path));
    host.directoryExists = (path) => path.startsWith(OUT) || (!HIDDEN.test(`${path}/`) && inner.directoryExists(path));
    host.getSourceFile = (path, language, ...rest) => (files.has(path) ? ts.createSourceFile(path, files.get(path)!, language) : inner.getSourceFile(path, language, ...rest));
    const program = ts.createProgram([consumer], options, host);
    const ours = program.getSourceFiles().filter((f) => f.fileName.startsWith(OUT));
    const diagnostics = ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]);
    expect(diagnostics.map((d) => `${d.file?.fileName.slice(OUT.length)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
    // The check saw the destination's own declarations, not nothing.
    expect(ours.map((f) => f.fileName.slice(OUT.length))).toEqual(expect.arrayContaining(['/destinations/postgres/postgres-config.d.ts', '/destinations/postgres/postgres-dialect.d.ts']));
  });
});
