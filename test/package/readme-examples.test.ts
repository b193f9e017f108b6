import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { ROOT } from '../helpers/node-child.js';

/**
 * The README's TypeScript examples as a new user runs them: the package is built and packed, installed
 * into an empty project (its dependencies linked from this repo's node_modules: no network), every
 * example compiled with `tsc --strict` (module nodenext) against the packed typings, and the runnable
 * ones run against the built-in Notion server with NOTION_API_KEY / NOTION_BASE_URL set.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-readme-pack-'));
const app = join(dir, 'app');
const examples = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
let server: NotionServer;
const execFileAsync = promisify(execFile);

/** Run a command in the app, asynchronously: the built-in server answers from this process meanwhile. */
const run = async (file: string, args: string[], env: Record<string, string> = {}): Promise<string> =>
  (await execFileAsync(file, args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 })).stdout;

beforeAll(async () => {
  // A fresh build in a package root of its own, packed without scripts: the tarball a user installs.
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  for (const f of ['package.json', 'LICENSE', 'README.md', 'bin', 'src', 'operators', 'destinations', 'bench', 'test', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, f), join(pkg, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: pkg, stdio: 'pipe' });
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: pkg, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1)!;
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', join(app, 'node_modules')]);
  execFileSync('mv', [join(app, 'node_modules', 'package'), join(app, 'node_modules', 'notionflow')]);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '.bin' && !existsSync(join(app, 'node_modules', entry))) symlinkSync(join(ROOT, 'node_modules', entry), join(app, 'node_modules', entry));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  examples.forEach((code, i) => writeFileSync(join(app, `example-${i + 1}.ts`), code));
  server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 4 } });
}, 240_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the README's examples, from the packed package", () => {
  it('finds the TypeScript examples (pipeline, composing by hand, custom sink)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it('compiles every one with tsc --strict, module nodenext', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const files = examples.map((_, i) => `example-${i + 1}.ts`);
    await run(process.execPath, [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--outDir', 'out', ...files]);
    for (const f of files) expect(existsSync(join(app, 'out', f.replace(/\.ts$/, '.js')))).toBe(true);
  }, 120_000);

  it('runs the pipeline example and the custom sink against the built-in server', async () => {
    const env = { NOTION_API_KEY: server.token, NOTION_BASE_URL: server.url, CI: 'true' };
    const pipelineExample = examples.findIndex((c) => c.includes("p.dataset().table('pages')")) + 1;
    const sinkExample = examples.findIndex((c) => c.includes('sink(async')) + 1;
    expect(pipelineExample).toBeGreaterThan(0);
    expect(sinkExample).toBeGreaterThan(0);
    expect(await run(process.execPath, [`out/example-${pipelineExample}.js`], env)).toContain('is LOADED');
    expect(existsSync(join(app, 'notion_pipeline.duckdb'))).toBe(true);
    await run(process.execPath, [`out/example-${sinkExample}.js`], env);
    const pages = readFileSync(join(app, 'pages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(pages.map((p) => p.id).sort()).toEqual([...server.workspace.pages()].map((p) => p.id).sort());
  }, 180_000);

  it('loads the demo workspace into a DuckDB file with the packed CLI', async () => {
    const out = await run(process.execPath, [join(app, 'node_modules', 'notionflow', 'bin', 'notionflow.js'), 'demo', '--preset', 'tiny', '--progress', 'none', '--duckdb-path', 'demo.duckdb']);
    expect(out).toContain('is LOADED');
    expect(existsSync(join(app, 'demo.duckdb'))).toBe(true);
  }, 120_000);
});
