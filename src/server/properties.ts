import type { Random } from './hash.js';
import { mentionItem, richText, SELECT_COLORS, textItem, words } from './text.js';
import type { Json, JsonObject, MentionContext, MentionKind } from './text.js';

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
/** Most people a page response lists; it leaves out the rest without saying so. */
export const PAGE_PEOPLE_LIMIT = 25;
/** Most mentions a page response's title / rich_text value holds: the items after the 25th mention are left out. */
export const PAGE_MENTION_LIMIT = 25;

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
const STATUS_CONFIG: JsonObject = {
  options: STATUS,
  groups: [
    { id: 'grp-todo', name: 'To-do', color: 'gray', option_ids: ['st-todo'] },
    { id: 'grp-doing', name: 'In progress', color: 'blue', option_ids: ['st-doing'] },
    { id: 'grp-done', name: 'Complete', color: 'green', option_ids: ['st-done'] },
  ],
};

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

/** Ids of the properties the formulas read (Estimate, Done, Due): their values are drawn once per row, with the formulas'. */
export const FORMULA_INPUTS: readonly string[] = ['num1', 'chk1', 'due%5B'];

/** What a schema needs from the workspace: the database/data source the relation points to. */
export interface SchemaContext {
  readonly relationDatabaseId: string;
  readonly relationDataSourceId: string;
  readonly hostile: boolean;
}

function rollupConfig(fn: string, rolledName: string, rolledId: string): JsonObject {
  return { function: fn, rollup_property_name: rolledName, relation_property_name: 'Related', rollup_property_id: rolledId, relation_property_id: 'rel%3D' };
}

/**
 * The schema of a generated database: one property of every value type Notion has (§6.9 of the
 * reference), four formulas (string, number, boolean, date), a relation and four rollups over it
 * (`count` of the related rows, `sum` of their Estimate, `latest_date` of their Due, `show_original` of
 * their names); with `hostile`, also the {@link HOSTILE_NAMES} properties.
 */
export function databaseSchema(ctx: SchemaContext): PropertyDef[] {
  const p = (id: string, name: string, type: string, config: JsonObject = {}): PropertyDef => ({ id, name, type, config });
  const schema = [
    p('title', 'Name', 'title'),
    p('rt%3Ax', 'Notes', 'rich_text'),
    p('num1', 'Estimate', 'number', { format: 'number' }),
    p('sel%3F', 'Stage', 'select', { options: STAGES }),
    p('ms%40t', 'Tags', 'multi_select', { options: TAGS }),
    p('stat', 'Status', 'status', STATUS_CONFIG),
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
    p('rlup', 'Related count', 'rollup', rollupConfig('count', 'Name', 'title')),
    p('rsum', 'Related estimate', 'rollup', rollupConfig('sum', 'Estimate', 'num1')),
    p('rlat', 'Latest related due', 'rollup', rollupConfig('latest_date', 'Due', 'due%5B')),
    p('rnam', 'Related names', 'rollup', rollupConfig('show_original', 'Name', 'title')),
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

/**
 * The schema config a property gets when it is retyped to `type` (`Workspace.retypeProperty`), or
 * `undefined` for the types a property cannot be retyped to (title, relation, rollup, formula and the
 * computed ones).
 */
export function retypeConfig(type: string): JsonObject | undefined {
  switch (type) {
    case 'number': return { format: 'number' };
    case 'select': return { options: STAGES };
    case 'multi_select': return { options: TAGS };
    case 'status': return STATUS_CONFIG;
    case 'rich_text': case 'date': case 'people': case 'files': case 'checkbox': case 'url': case 'email': case 'phone_number': return {};
    default: return undefined;
  }
}

/** The values of one property of a row's related rows: the property's type there, and every related row's value in relation order. */
export interface RelatedValues {
  readonly type: string;
  readonly values: readonly Json[];
}

/** Everything a row's values derive from. */
export interface RowContext {
  /** The generator of one property's value, seeded by (row, property id, property type): retyping or deleting a property leaves the others' values alone. */
  rnd(prop: PropertyDef): Random;
  /** Row index in its database (0-based); `row % 40` picks the rows whose values exercise the page-response limits. */
  readonly row: number;
  /** Estimate, Done and Due: drawn once per row, because the formulas use them too. */
  readonly estimate: number | null;
  readonly done: boolean;
  readonly due: Json;
  readonly title: string;
  readonly created: string;
  readonly edited: string;
  readonly createdBy: string;
  readonly editedBy: string;
  /** A random member's user id. */
  userId(rnd: Random): string;
  /** `n` distinct people: the workspace's person users first, then guests (users `GET /v1/users` does not list). */
  people(n: number): string[];
  /** Every related page id (the page response carries the first 25). */
  readonly related: readonly string[];
  /** The values of property `propertyId` of the related rows, or `undefined` when their data source has no such property. */
  relatedValues(propertyId: string): RelatedValues | undefined;
  readonly mentions: MentionContext;
  /** A Notion-hosted file object (expiring URL). */
  hostedFile(name: string): JsonObject;
  /** The value set for `prop` in place of the generated one (`Workspace.setPropertyValue`), if any. */
  valueSet?(prop: PropertyDef): Json | undefined;
}

/** The rows (by `row % 40`) whose values go past a page-response limit; the relation's is row 3 (`Workspace.relatedCount`). */
const SPECIAL_ROWS = { 7: 'many_people', 8: 'people_25', 11: 'long_text', 13: 'many_mentions' } as const;

type Special = (typeof SPECIAL_ROWS)[keyof typeof SPECIAL_ROWS];

/** The special value `prop` has on row `row`: Owner people on rows 7 and 8, Notes text on rows 11 and 13 (mod 40). */
function specialOf(prop: PropertyDef, row: number): Special | undefined {
  const special = (SPECIAL_ROWS as Record<number, Special>)[row % 40];
  if (prop.id === 'ppl1' && prop.type === 'people') return special === 'many_people' || special === 'people_25' ? special : undefined;
  if (prop.id === 'rt%3Ax' && prop.type === 'rich_text') return special === 'long_text' || special === 'many_mentions' ? special : undefined;
  return undefined;
}

/**
 * Whether a page response may cut the value of `prop` on row `row` short for want of a flag: 25 or
 * more people, or 25 or more mentions. Only special values do (generated rich text holds at most 3
 * mentions, generated people lists at most 2 people), so the ground truth need not generate the others.
 */
export function pageMayCut(prop: PropertyDef, row: number): boolean {
  const special = specialOf(prop, row);
  return special === 'many_people' || special === 'people_25' || special === 'many_mentions';
}
/** Length of the long Notes value, and the most characters of one text item (Notion splits longer text). */
const LONG_TEXT_LENGTH = 4_500;
const TEXT_ITEM_LENGTH = 2_000;
const MENTIONS = 30;
const DAY = 86_400_000;
const TIME_ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** Offsets by zone and day: Intl is slow, and there are only TIME_ZONES × 730 of them. */
const offsets = new Map<string, string>();

function isoDate(rnd: Random, withTime: boolean): string {
  const day = new Date(Date.UTC(2024, 0, 1) + rnd.int(730) * DAY);
  if (!withTime) return day.toISOString().slice(0, 10);
  day.setUTCHours(rnd.int(24), rnd.chance(0.5) ? 0 : 30);
  return day.toISOString();
}

/** The UTC offset (`+02:00`) of a time zone at an instant. */
function utcOffset(zone: string, ms: number): string {
  const key = `${zone} ${Math.floor(ms / DAY)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    let format = offsetFormats.get(zone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
      offsetFormats.set(zone, format);
    }
    const name = format.formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value;
    offset = name === 'GMT' ? '+00:00' : name.slice(3);
    offsets.set(key, offset);
  }
  return offset;
}

/**
 * A Due value: null, a date, a UTC date-time, a date-only range, or a range of local times in a time
 * zone written with that zone's offset (`2024-05-01T10:00:00.000+02:00`, `time_zone: 'Europe/Berlin'`).
 */
function dueDate(rnd: Random): Json {
  if (!rnd.chance(0.8)) return null;
  const kind = rnd.int(5);
  if (kind <= 1) return { start: isoDate(rnd, kind === 1), end: null, time_zone: null };
  const day = Date.UTC(2024, 0, 1) + rnd.int(730) * DAY;
  if (kind === 2) return { start: new Date(day).toISOString().slice(0, 10), end: new Date(day + rnd.between(1, 5) * DAY).toISOString().slice(0, 10), time_zone: null };
  // Local office hours: DST switches happen at night, so the offset at the wall time read as UTC is the offset.
  const zone = rnd.pick(TIME_ZONES);
  const start = day + rnd.between(16, 34) * 30 * 60_000;
  const end = start + rnd.between(1, 3) * 3_600_000;
  const local = (ms: number): string => `${new Date(ms).toISOString().slice(0, 23)}${utcOffset(zone, ms)}`;
  return { start: local(start), end: local(end), time_zone: zone };
}

/** Estimate, Done and Due of a row, from the row's own generator. */
export function rowBase(rnd: Random): { estimate: number | null; done: boolean; due: Json } {
  const estimate = rnd.chance(0.85) ? rnd.int(40) / 2 : null;
  const done = rnd.chance(0.4);
  return { estimate, done, due: dueDate(rnd) };
}

function longText(rnd: Random): JsonObject[] {
  let text = '';
  while (text.length < LONG_TEXT_LENGTH) text += `${words(rnd, 8)}. `;
  const items: JsonObject[] = [];
  for (let i = 0; i < LONG_TEXT_LENGTH; i += TEXT_ITEM_LENGTH) items.push(textItem(text.slice(i, Math.min(i + TEXT_ITEM_LENGTH, LONG_TEXT_LENGTH))));
  return items;
}

function manyMentions(rnd: Random, ctx: MentionContext): JsonObject[] {
  const kinds: readonly MentionKind[] = ['user', 'page', 'date'];
  const items: JsonObject[] = [];
  for (let k = 0; k < MENTIONS; k++) {
    if (k > 0) items.push(textItem(', '));
    items.push(mentionItem(rnd, ctx, kinds[k % kinds.length]!));
  }
  return items;
}

const user = (id: string): JsonObject => ({ object: 'user', id });

/**
 * The full value of one property of a row: relations, people and rich text complete, rollups computed
 * over every related row. Rows with `row % 40` of 7 have 26–40 Owner people (guests among them), 8
 * exactly 25, 11 a Notes text of 4,500 characters in 2,000-character items, 13 a Notes text of 30 mentions.
 */
export function propertyValue(prop: PropertyDef, row: RowContext): Json {
  const set = row.valueSet?.(prop);
  if (set !== undefined) return set;
  // Most properties draw nothing: the generator is made on first use.
  let generator: Random | undefined;
  const rnd = (): Random => (generator ??= row.rnd(prop));
  const special = specialOf(prop, row.row);
  switch (prop.type) {
    case 'title':
      return [textItem(row.title)];
    case 'rich_text':
      if (special === 'long_text') return longText(rnd());
      if (special === 'many_mentions') return manyMentions(rnd(), row.mentions);
      return rnd().chance(0.15) ? [] : richText(rnd(), row.mentions);
    case 'number':
      return prop.id === 'num1' ? row.estimate : rnd().chance(0.8) ? Math.round(rnd().next() * 1e6) / 100 : null;
    case 'select':
      return rnd().chance(0.85) ? strip(rnd().pick(prop.config.options as JsonObject[])) : null;
    case 'multi_select':
      return (prop.config.options as JsonObject[]).filter(() => rnd().chance(0.3)).map(strip);
    case 'status':
      return strip(row.done ? STATUS[2]! : rnd().pick(STATUS.slice(0, 2)));
    case 'date':
      return prop.id === 'due%5B' ? row.due : rnd().chance(0.6) ? { start: isoDate(rnd(), false), end: rnd().chance(0.3) ? isoDate(rnd(), false) : null, time_zone: null } : null;
    case 'people':
      if (special === 'many_people') return row.people(26 + rnd().int(15)).map(user);
      if (special === 'people_25') return row.people(PAGE_PEOPLE_LIMIT).map(user);
      return Array.from({ length: rnd().int(3) }, () => user(row.userId(rnd())));
    case 'files':
      return rnd().chance(0.5) ? [] : [
        { name: `${words(rnd(), 1)}.pdf`, ...row.hostedFile(`${words(rnd(), 1)}.pdf`) },
        { name: 'Website', type: 'external', external: { url: `https://example.com/${words(rnd(), 1)}` } },
      ];
    case 'checkbox':
      return prop.id === 'chk1' ? row.done : rnd().chance(0.5);
    case 'url':
      return rnd().chance(0.7) ? `https://example.com/${words(rnd(), 1)}?q=${rnd().int(1000)}` : null;
    case 'email':
      return rnd().chance(0.7) ? `${words(rnd(), 1)}.${rnd().int(100)}@example.com` : null;
    case 'phone_number':
      return rnd().chance(0.6) ? `+1 555 ${String(rnd().int(10_000)).padStart(4, '0')}` : null;
    case 'formula':
      return prop.id === 'fx_s' ? { type: 'string', string: row.title.toUpperCase() }
        : prop.id === 'fx_n' ? { type: 'number', number: row.estimate === null ? null : row.estimate * 2 }
          : prop.id === 'fx_b' ? { type: 'boolean', boolean: row.done }
            : { type: 'date', date: row.due };
    case 'relation':
      return row.related.map((id) => ({ id }));
    case 'rollup':
      return rollupValue(prop, row, Infinity);
    case 'created_time':
      return row.created;
    case 'last_edited_time':
      return row.edited;
    case 'created_by':
      return user(row.createdBy);
    case 'last_edited_by':
      return user(row.editedBy);
    case 'unique_id':
      return { prefix: 'TASK', number: row.row + 1 };
    case 'verification': {
      const state = rnd().pick(['verified', 'expired', 'unverified']);
      return state === 'unverified' ? { state, date: null, verified_by: null }
        : { state, date: { start: isoDate(rnd(), false), end: null, time_zone: null }, verified_by: user(row.userId(rnd())) };
    }
    case 'button':
      return {};
    case 'place':
      return rnd().chance(0.5) ? null : {
        lat: Math.round((rnd().next() * 180 - 90) * 1e4) / 1e4,
        lon: Math.round((rnd().next() * 360 - 180) * 1e4) / 1e4,
        name: `${words(rnd(), 1)} office`,
        address: `${rnd().between(1, 999)} ${words(rnd(), 1)} street`,
        aws_place_id: null,
        google_place_id: null,
      };
    default:
      return null;
  }
}

/** The full value of each property of one row, keyed by property id (see {@link propertyValue}). */
export function rowValues(schema: readonly PropertyDef[], row: RowContext): Map<string, Json> {
  return new Map(schema.map((prop) => [prop.id, propertyValue(prop, row)]));
}

/**
 * A rollup over the first `limit` related rows: `count` counts them, `sum` adds their numbers,
 * `latest_date` is the latest start among their dates (as `{start, end: null, time_zone: null}`),
 * `show_original` lists their values (`{type, [type]: value}`); `unsupported` when the rolled-up
 * property is gone or no longer of a type the function takes.
 */
export function rollupValue(prop: PropertyDef, row: RowContext, limit: number): JsonObject {
  const fn = prop.config.function as string;
  if (fn === 'count') return { type: 'number', number: Math.min(row.related.length, limit), function: fn };
  const rolled = row.relatedValues(prop.config.rollup_property_id as string);
  const values = rolled?.values.slice(0, limit) ?? [];
  if (fn === 'sum' && rolled?.type === 'number') {
    return { type: 'number', number: values.reduce<number>((sum, v) => sum + (typeof v === 'number' ? v : 0), 0), function: fn };
  }
  if (fn === 'latest_date' && rolled?.type === 'date') {
    let latest: string | undefined;
    for (const v of values) {
      const start = (v as JsonObject | null)?.start as string | undefined;
      if (start !== undefined && (latest === undefined || Date.parse(start) > Date.parse(latest))) latest = start;
    }
    return { type: 'date', date: latest === undefined ? null : { start: latest, end: null, time_zone: null }, function: fn };
  }
  if (fn === 'show_original' && rolled !== undefined) return { type: 'array', array: values.map((v) => ({ type: rolled.type, [rolled.type]: v })), function: fn };
  return { type: 'unsupported', unsupported: {}, function: fn };
}

/** The items of a title / rich_text value up to its 25th mention (what a page response keeps). */
function upToMentionLimit(items: readonly Json[]): Json[] {
  let mentions = 0;
  for (let i = 0; i < items.length; i++) {
    if ((items[i] as JsonObject).type === 'mention' && ++mentions === PAGE_MENTION_LIMIT) return items.slice(0, i + 1);
  }
  return [...items];
}

/**
 * A property as a page response shows it (§2.3 of the reference): a relation's first 25 pages and
 * `has_more`, the first 25 people, title / rich_text items up to the 25th mention, rollups computed
 * over the first 25 related rows; other values in full.
 */
export function pageValue(prop: PropertyDef, row: RowContext): JsonObject {
  const entry = (v: Json): JsonObject => ({ id: prop.id, type: prop.type, [prop.type]: v });
  if (prop.type === 'rollup') return entry(rollupValue(prop, row, PAGE_RELATION_LIMIT));
  const value = propertyValue(prop, row);
  switch (prop.type) {
    case 'relation':
      return { ...entry((value as Json[]).slice(0, PAGE_RELATION_LIMIT)), has_more: (value as Json[]).length > PAGE_RELATION_LIMIT };
    case 'people':
      return entry((value as Json[]).slice(0, PAGE_PEOPLE_LIMIT));
    case 'title':
    case 'rich_text':
      return entry(upToMentionLimit(value as Json[]));
    default:
      return entry(value);
  }
}

function strip(option: JsonObject): JsonObject {
  return { id: option.id!, name: option.name!, color: option.color! };
}
