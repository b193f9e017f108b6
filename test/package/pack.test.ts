import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../helpers/node-child.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files `npm pack` would put in the tarball of the package in `cwd` (no build: `--ignore-scripts`). */
function packed(cwd: string): string[] {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as [{ files: { path: string }[] }];
  return report.files.map((f) => f.path).sort();
}

describe('the packed package', () => {
  it('ships the built library, the sources and a LICENSE, but not dist/bench or dist/test', () => {
    // package.json and LICENSE as they are, over a tree with every kind of file a build leaves in dist/.
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'LICENSE'), join(dir, 'LICENSE'));
    const tree = ['bin/notionflow.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/operators/index.js', 'dist/destinations/postgres/index.js', 'dist/bench/run.js', 'dist/test/helpers/ts-loader.js', 'src/index.ts', 'bench/run.ts', 'test/e2e/cli.test.ts'];
    for (const file of tree) {
      mkdirSync(join(dir, dirname(file)), { recursive: true });
      writeFileSync(join(dir, file), '');
    }
    expect(packed(dir)).toEqual(['LICENSE', 'bin/notionflow.js', 'dist/destinations/postgres/index.js', 'dist/operators/index.js', 'dist/src/index.d.ts', 'dist/src/index.js', 'package.json', 'src/index.ts']);
  });

  it('leaves dist/bench and dist/test out of the real tree too, whatever an earlier build left there', () => {
    const files = packed(ROOT);
    expect(files.filter((f) => /^(dist\/)?(bench|test)\//.test(f))).toEqual([]);
    expect(files).toContain('LICENSE');
  });

  it('is MIT-licensed by the notionflow contributors', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))).toMatchObject({ license: 'MIT' });
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} notionflow contributors\n/);
  });
});
