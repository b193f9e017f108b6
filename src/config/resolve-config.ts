import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { Secret } from './secret.js';

/** A nested config tree, as read from TOML or built from `NOTIONFLOW__A__B` variables. */
export type ConfigTree = { readonly [key: string]: unknown };

/** Where a layer of configuration came from, for error messages. */
export interface ConfigLayer {
  readonly name: string;
  readonly values: ConfigTree;
}

/**
 * Configuration resolved from, in order of precedence: CLI flags, environment (`NOTION_API_KEY`,
 * `NOTION_BASE_URL`, `NOTIONFLOW__<SECTION>__<KEY>`), `.notionflow/config.toml` and
 * `.notionflow/secrets.toml`, then `.dlt/secrets.toml` (`[sources.notion_source] api_key`) and
 * `.dlt/config.toml`. Keys are dlt-style paths such as `sources.notion.api_key` or
 * `destination.postgres.credentials`.
 */
export class ResolvedConfig {
  readonly layers: readonly ConfigLayer[];

  constructor(layers: readonly ConfigLayer[]) {
    this.layers = layers;
  }

  /** Layers hold secrets as plain strings: never print their values. */
  [inspect.custom](): string {
    return `ResolvedConfig(${this.layers.map((l) => l.name).join(' > ')})`;
  }

  toJSON(): string {
    return this[inspect.custom]();
  }

  /** The first value found for any of `paths`, across layers in precedence order. */
  get(...paths: string[]): unknown {
    for (const layer of this.layers) {
      for (const path of paths) {
        const v = lookup(layer.values, path);
        if (v !== undefined && v !== '') return v;
      }
    }
    return undefined;
  }

  /** A string setting, or `fallback`. */
  string(paths: string | string[], fallback?: string): string | undefined {
    const v = this.get(...(Array.isArray(paths) ? paths : [paths]));
    if (v === undefined) return fallback;
    if (typeof v === 'object') throw new ConfigError(`Setting ${String(paths)} must be a value, not a table.`);
    return String(v);
  }

  /** A numeric setting, validated, or `fallback`. */
  number(paths: string | string[], fallback?: number): number | undefined {
    const v = this.get(...(Array.isArray(paths) ? paths : [paths]));
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n < 0) throw new ConfigError(`Setting ${String(paths)} must be a non-negative number, got "${String(v)}".`);
    return n;
  }

  /** A boolean setting (`true`/`false`, or the strings `true`, `false`, `1`, `0` from the environment), or `fallback`. */
  boolean(paths: string | string[], fallback?: boolean): boolean | undefined {
    const v = this.get(...(Array.isArray(paths) ? paths : [paths]));
    if (v === undefined) return fallback;
    if (v === true || v === 'true' || v === '1') return true;
    if (v === false || v === 'false' || v === '0') return false;
    throw new ConfigError(`Setting ${String(paths)} must be true or false, got "${String(v)}".`);
  }

  /** The name of the layer the value of `path` comes from (`flags`, `environment`, `.notionflow/config.toml`, …), or undefined when unset. */
  origin(path: string): string | undefined {
    return this.layers.find((layer) => {
      const v = lookup(layer.values, path);
      return v !== undefined && v !== '';
    })?.name;
  }

  /** A secret setting (wrapped so it never prints). */
  secret(...paths: string[]): Secret | undefined {
    const v = this.get(...paths);
    return v === undefined ? undefined : new Secret(String(v));
  }

  /** A whole section as an object (e.g. `destination.snowflake`), merged across layers, higher layers winning. */
  section(path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const layer of [...this.layers].reverse()) {
      const v = lookup(layer.values, path);
      if (v && typeof v === 'object') Object.assign(out, v);
    }
    return out;
  }
}

/** Options of {@link resolveConfig}. */
export interface ResolveConfigOptions {
  /** Values from CLI flags, as dotted paths (`{'sources.notion.base_url': 'http://…'}`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory holding `.notionflow/` and `.dlt/`. Default `process.cwd()`. */
  readonly cwd?: string;
}

/** Read every configuration layer (see {@link ResolvedConfig}). A TOML syntax error is a ConfigError naming the file. */
export function resolveConfig(options: ResolveConfigOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(options.flags ?? {})) if (value !== undefined) setPath(flags, path, value);
  return new ResolvedConfig([
    { name: 'flags', values: flags },
    { name: 'environment', values: fromEnv(env) },
    { name: '.notionflow/secrets.toml', values: readToml(join(cwd, '.notionflow', 'secrets.toml')) },
    { name: '.notionflow/config.toml', values: readToml(join(cwd, '.notionflow', 'config.toml')) },
    { name: '.dlt/secrets.toml', values: fromDlt(readToml(join(cwd, '.dlt', 'secrets.toml'))) },
    { name: '.dlt/config.toml', values: fromDlt(readToml(join(cwd, '.dlt', 'config.toml'))) },
  ]);
}

function fromEnv(env: NodeJS.ProcessEnv): ConfigTree {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith('NOTIONFLOW__')) continue;
    setPath(out, name.slice('NOTIONFLOW__'.length).toLowerCase().split('__').join('.'), value);
  }
  if (env['NOTION_API_KEY']) setPath(out, 'sources.notion.api_key', env['NOTION_API_KEY']);
  if (env['NOTION_BASE_URL']) setPath(out, 'sources.notion.base_url', env['NOTION_BASE_URL']);
  return out;
}

/** dlt's Notion verified source keeps its key under `[sources.notion_source]` (or `[sources.notion]`). */
function fromDlt(tree: ConfigTree): ConfigTree {
  const sources = (tree['sources'] ?? {}) as Record<string, unknown>;
  const notion = { ...((sources['notion'] ?? {}) as object), ...((sources['notion_source'] ?? {}) as object) };
  return { ...tree, sources: { ...sources, notion } };
}

function readToml(path: string): ConfigTree {
  if (!existsSync(path)) return {};
  try {
    return parseToml(readFileSync(path, 'utf8')) as ConfigTree;
  } catch (error) {
    // No `cause`: smol-toml's error quotes the offending lines, which in a secrets file hold the token.
    const { message, line, column } = error as { message: string; line?: number; column?: number };
    const where = line === undefined ? '' : ` (line ${line}, column ${column})`;
    throw new ConfigError(`Cannot read ${path}: ${message.split('\n')[0]}${where} — fix the TOML syntax.`);
  }
}

function lookup(tree: ConfigTree, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPath(tree: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}
