import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError } from '../errors.js';

/**
 * notionflow's version, from its package.json: the nearest one above this module named `notionflow`
 * (the module runs from `src/cli/` in development and `dist/src/cli/` when installed).
 */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'notionflow' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) throw new PipelineError('cannot find the package.json of notionflow to read its version');
  }
}
