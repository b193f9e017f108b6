import type { Random } from './hash.js';
import { richText, SELECT_COLORS, textItem, words } from './text.js';
import type { Json, JsonObject, MentionContext } from './text.js';

/** One property of a generated database schema. */
export interface PropertyDef {
  /** The property id as Notion returns it (URL-encoded; pass it back unchanged). */
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly config: JsonObject;
}

/** Most relation values a page response carries before it says `has_more: true`. */
export const PAGE_RELATION_LIMIT = 25;

function options(names: readonly string[], prefix: string): JsonObject[] {
  return names.map((name, i) => ({ id: `${prefix}-${i}`, name, color: SELECT_COLORS[(i * 3 + 1) % SELECT_COLORS.length]!, description: null }));
}

const STAGES = options(['Idea', 'Planned', 'Building', 'Shipped'], 'stage');
const TAGS = options(['urgent', 'backend', 'frontend', 'docs', 'infra', 'design'], 'tag');
const STATUS = [
  { id: 'st-todo', name: 'Not started', color: 'default', description: null },
  { id: 'st-doing', name: 'In progress', color: 'blue', description: null },
  { id: 'st-done', name: 'Done', color: 'green', description: null },
];

/** Hostile property names (quotes, SQL, emoji, a 200-character name, names equal up to case/punctuation). */
export const HOSTILE_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['He said "hi"', 'rich_text'],
  ["it's", 'rich_text'],
  ['a;b', 'number'],
  ['select', 'select'],
  ['drop table x;--', 'rich_text'],
  ['🚀 Launch', 'checkbox'],
  [`Long ${'x'.repeat(195)}`, 'number'],
  ['Due Date', 'date'],
  ['due_date', 'date'],
  ['Due-Date', 'date'],
];

/** What a schema needs from the workspace: the database/data source the relation points to. */
export interface SchemaContext {
  readonly relationDatabaseId: string;
  readonly relationDataSourceId: string;
  readonly hostile: boolean;
}

/**
 * The schema of a generated database: one property of every value type Notion has (§6.9 of the
 * reference), four formulas (string, number, boolean, date), a relation and a count rollup over it;
 * with `hostile`, also the {@link HOSTILE_NAMES} properties.
 */
export function databaseSchema(ctx: SchemaContext): PropertyDef[] {
  const p = (id: string, name: string, type: string, config: JsonObject = {}): PropertyDef => ({ id, name, type, config });
  const schema = [
    p('title', 'Name', 'title'),
    p('rt%3Ax', 'Notes', 'rich_text'),
    p('num1', 'Estimate', 'number', { format: 'number' }),
    p('sel%3F', 'Stage', 'select', { options: STAGES }),
    p('ms%40t', 'Tags', 'multi_select', { options: TAGS }),
    p('stat', 'Status', 'status', {
      options: STATUS,
      groups: [
        { id: 'grp-todo', name: 'To-do', color: 'gray', option_ids: ['st-todo'] },
        { id: 'grp-doing', name: 'In progress', color: 'blue', option_ids: ['st-doing'] },
        { id: 'grp-done', name: 'Complete', color: 'green', option_ids: ['st-done'] },
      ],
    }),
    p('due%5B', 'Due', 'date'),
    p('ppl1', 'Owner', 'people'),
    p('fil1', 'Attachments', 'files'),
    p('chk1', 'Done', 'checkbox'),
    p('url1', 'Link', 'url'),
    p('eml1', 'Email', 'email'),
    p('phn1', 'Phone', 'phone_number'),
    p('fx_s', 'Shout', 'formula', { expression: 'upper(prop("Name"))' }),
    p('fx_n', 'Double estimate', 'formula', { expression: 'prop("Estimate") * 2' }),
    p('fx_b', 'Is done', 'formula', { expression: 'prop("Done")' }),
    p('fx_d', 'Due copy', 'formula', { expression: 'prop("Due")' }),
    p('rel%3D', 'Related', 'relation', {
      database_id: ctx.relationDatabaseId,
      data_source_id: ctx.relationDataSourceId,
      type: 'single_property',
      single_property: {},
    }),
    p('rlup', 'Related count', 'rollup', {
      function: 'count',
      rollup_property_name: 'Name',
      relation_property_name: 'Related',
      rollup_property_id: 'title',
      relation_property_id: 'rel%3D',
    }),
    p('ctim', 'Created', 'created_time'),
    p('cby1', 'Created by', 'created_by'),
    p('etim', 'Last edited', 'last_edited_time'),
    p('eby1', 'Last edited by', 'last_edited_by'),
    p('uid1', 'ID', 'unique_id', { prefix: 'TASK' }),
    p('ver1', 'Verification', 'verification'),
    p('btn1', 'Button', 'button'),
    p('plc1', 'Place', 'place'),
  ];
  if (ctx.hostile) {
    HOSTILE_NAMES.forEach(([name, type], i) => {
      const config: JsonObject = type === 'number' ? { format: 'number' } : type === 'select' ? { options: STAGES } : {};
      schema.push(p(`h%25${i}`, name, type, config));
    });
  }
  return schema;
}

/** Everything a row's values derive from, besides its random generator. */
export interface RowContext {
  readonly rnd: Random;
  readonly title: string;
  readonly rowNumber: number;
  readonly created: string;
  readonly edited: string;
  readonly createdBy: string;
  readonly editedBy: string;
  readonly userId: (rnd: Random) => string;
  /** Every related page id (the page response carries the first 25). */
  readonly related: readonly string[];
  readonly mentions: MentionContext;
  /** A Notion-hosted file object (expiring URL). */
  readonly hostedFile: (name: string) => JsonObject;
}

function isoDate(rnd: Random, withTime: boolean): string {
  const day = new Date(Date.UTC(2024, 0, 1) + rnd.int(730) * 86_400_000);
  if (!withTime) return day.toISOString().slice(0, 10);
  day.setUTCHours(rnd.int(24), rnd.chance(0.5) ? 0 : 30);
  return day.toISOString();
}

/**
 * The full value of each property of one row, keyed by property id. `relation` holds the full list
 * (the page response truncates it); everything else is the value as the page response shows it.
 */
export function rowValues(schema: readonly PropertyDef[], row: RowContext): Map<string, Json> {
  const { rnd } = row;
  const values = new Map<string, Json>();
  const estimate = rnd.chance(0.85) ? rnd.int(40) / 2 : null;
  const done = rnd.chance(0.4);
  const due = rnd.chance(0.8) ? { start: isoDate(rnd, rnd.chance(0.3)), end: null, time_zone: null } : null;
  for (const prop of schema) {
    let v: Json;
    switch (prop.type) {
      case 'title':
        v = [textItem(row.title)];
        break;
      case 'rich_text':
        v = rnd.chance(0.15) ? [] : richText(rnd, row.mentions);
        break;
      case 'number':
        v = prop.id === 'num1' ? estimate : rnd.chance(0.8) ? Math.round(rnd.next() * 1e6) / 100 : null;
        break;
      case 'select': {
        const opts = (prop.config.options as JsonObject[]);
        v = rnd.chance(0.85) ? strip(rnd.pick(opts)) : null;
        break;
      }
      case 'multi_select': {
        const opts = (prop.config.options as JsonObject[]);
        v = opts.filter(() => rnd.chance(0.3)).map(strip);
        break;
      }
      case 'status':
        v = strip(done ? STATUS[2]! : rnd.pick(STATUS.slice(0, 2)));
        break;
      case 'date':
        v = prop.id === 'due%5B' ? due : rnd.chance(0.6) ? { start: isoDate(rnd, false), end: rnd.chance(0.3) ? isoDate(rnd, false) : null, time_zone: null } : null;
        break;
      case 'people':
        v = Array.from({ length: rnd.int(3) }, () => ({ object: 'user', id: row.userId(rnd) }));
        break;
      case 'files':
        v = rnd.chance(0.5) ? [] : [
          { name: `${words(rnd, 1)}.pdf`, ...row.hostedFile(`${words(rnd, 1)}.pdf`) },
          { name: 'Website', type: 'external', external: { url: `https://example.com/${words(rnd, 1)}` } },
        ];
        break;
      case 'checkbox':
        v = prop.id === 'chk1' ? done : rnd.chance(0.5);
        break;
      case 'url':
        v = rnd.chance(0.7) ? `https://example.com/${words(rnd, 1)}?q=${rnd.int(1000)}` : null;
        break;
      case 'email':
        v = rnd.chance(0.7) ? `${words(rnd, 1)}.${rnd.int(100)}@example.com` : null;
        break;
      case 'phone_number':
        v = rnd.chance(0.6) ? `+1 555 ${String(rnd.int(10_000)).padStart(4, '0')}` : null;
        break;
      case 'formula':
        v = prop.id === 'fx_s' ? { type: 'string', string: row.title.toUpperCase() }
          : prop.id === 'fx_n' ? { type: 'number', number: estimate === null ? null : estimate * 2 }
            : prop.id === 'fx_b' ? { type: 'boolean', boolean: done }
              : { type: 'date', date: due };
        break;
      case 'relation':
        v = row.related.map((id) => ({ id }));
        break;
      case 'rollup':
        v = { type: 'number', number: row.related.length, function: 'count' };
        break;
      case 'created_time':
        v = row.created;
        break;
      case 'last_edited_time':
        v = row.edited;
        break;
      case 'created_by':
        v = { object: 'user', id: row.createdBy };
        break;
      case 'last_edited_by':
        v = { object: 'user', id: row.editedBy };
        break;
      case 'unique_id':
        v = { prefix: 'TASK', number: row.rowNumber };
        break;
      case 'verification': {
        const state = rnd.pick(['verified', 'expired', 'unverified']);
        v = state === 'unverified' ? { state, date: null, verified_by: null }
          : { state, date: { start: isoDate(rnd, false), end: null, time_zone: null }, verified_by: { object: 'user', id: row.userId(rnd) } };
        break;
      }
      case 'button':
        v = {};
        break;
      case 'place':
        v = rnd.chance(0.5) ? null : {
          lat: Math.round((rnd.next() * 180 - 90) * 1e4) / 1e4,
          lon: Math.round((rnd.next() * 360 - 180) * 1e4) / 1e4,
          name: `${words(rnd, 1)} office`,
          address: `${rnd.between(1, 999)} ${words(rnd, 1)} street`,
          aws_place_id: null,
          google_place_id: null,
        };
        break;
      default:
        v = null;
    }
    values.set(prop.id, v);
  }
  return values;
}

function strip(option: JsonObject): JsonObject {
  return { id: option.id!, name: option.name!, color: option.color! };
}
