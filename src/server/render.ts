import { BLOCK_SPACE, MEETING_PARTS } from './block-tree.js';
import type { BlockNode } from './block-tree.js';
import { hashInts, hashString, Random } from './hash.js';
import { COMMENT_SPACE, encodeId, IdKind } from './ids.js';
import { pageValue, propertyValue, rowBase, rowValues } from './properties.js';
import type { PropertyDef, RelatedValues, RowContext } from './properties.js';
import { richText, textItem, textItems, title as makeTitle, words } from './text.js';
import type { Json, JsonObject, MentionContext } from './text.js';
import type { NotionVersion, Workspace } from './workspace.js';

/**
 * JSON renderers: turn the workspace's compact structure into Notion API objects of one version.
 * Nothing is cached: each call regenerates the object from its seed.
 */

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const user = (id: string): JsonObject => ({ object: 'user', id });
const emoji = (e: string): JsonObject => ({ type: 'emoji', emoji: e });

/** A Notion-hosted file object whose URL expires an hour after the workspace clock's current hour. */
export function hostedFile(ws: Workspace, key: string): JsonObject {
  const expiry = Math.floor(ws.clock() / HOUR) * HOUR + 2 * HOUR;
  const sig = hashInts(ws.seed, expiry, hashInts(key.length)).toString(16);
  return { type: 'file', file: { url: `https://files.notionflow.invalid/${ws.seed}/${encodeURIComponent(key)}?X-Amz-Expires=3600&X-Amz-Signature=${sig}`, expiry_time: iso(expiry) } };
}

/** Trash flags: `archived` and `in_trash` before 2026-03-11, `in_trash` only from then on. */
function trashFields(version: NotionVersion, trashed: boolean): JsonObject {
  return version >= '2026-03-11' ? { in_trash: trashed } : { archived: trashed, in_trash: trashed };
}

/** The `url` of a page or database. */
export function pageUrl(id: string, title: string): string {
  return `https://www.notion.so/${title.replace(/[^A-Za-z0-9]+/g, '-')}-${id.replace(/-/g, '')}`;
}

/** Mention targets drawn from the workspace's shared objects. */
export function mentionContext(ws: Workspace): MentionContext {
  const o = ws.options;
  return {
    user: (rnd) => {
      const u = rnd.int(o.users);
      return { id: ws.userId(u), name: ws.userName(u) };
    },
    page: (rnd) => {
      if (o.pages === 0) return undefined;
      const p = rnd.int(o.pages);
      const id = ws.pageId(p);
      return { id, title: ws.pageTitle(p), url: pageUrl(id, ws.pageTitle(p)) };
    },
    database: (rnd) => {
      const dbs = ws.sharedDatabases();
      if (dbs.length === 0) return undefined;
      const d = rnd.pick(dbs);
      const id = ws.databaseId(d);
      return { id, title: ws.databaseTitle(d), url: pageUrl(id, ws.databaseTitle(d)) };
    },
    date: (rnd) => iso(Date.UTC(2024, 0, 1) + rnd.int(730) * 86_400_000).slice(0, 10),
  };
}

/** A user object (members and guests); from 2026-12-01 some persons' `name` is null (see `Workspace.hidesName`). */
export function renderUser(ws: Workspace, u: number, version: NotionVersion): JsonObject {
  const name = version >= '2026-12-01' && ws.hidesName(u) ? null : ws.userName(u);
  const base = { object: 'user', id: ws.userId(u), name, avatar_url: u % 3 === 0 ? null : `https://avatars.notionflow.invalid/${u}.png` };
  if (!ws.isBot(u)) return { ...base, type: 'person', person: { email: ws.userEmail(u) } };
  const bot: JsonObject = u === ws.botUser
    ? { owner: { type: 'workspace', workspace: true }, workspace_name: 'Notionflow demo', workspace_id: encodeId(ws.seed, IdKind.user, 2 ** 40), workspace_limits: { max_file_upload_size_in_bytes: 5_368_709_120 } }
    : {};
  return { ...base, type: 'bot', bot };
}

function pageParentJson(ws: Workspace, pageNo: number, version: NotionVersion): JsonObject {
  const parent = ws.pageParent(pageNo);
  if (parent.type === 'workspace') return { type: 'workspace', workspace: true };
  if (parent.type === 'page') return { type: 'page_id', page_id: ws.pageId(parent.pageNo) };
  const database_id = ws.databaseId(parent.db);
  return version === '2022-06-28' ? { type: 'database_id', database_id } : { type: 'data_source_id', data_source_id: ws.dataSourceId(parent.db), database_id };
}

/** Seed parts of each property's value generator (a property's id and type), hashed once per definition. */
const PROPERTY_KEYS = new WeakMap<PropertyDef, number>();

/**
 * What the values of a row derive from, each part computed on first use: a rollup reads one property
 * of each related row, so most of a related row's context is never needed.
 */
class GeneratedRow implements RowContext {
  readonly row: number;
  readonly #ws: Workspace;
  readonly #pageNo: number;
  readonly #db: number;
  readonly #seed: number;
  #base: Pick<RowContext, 'estimate' | 'done' | 'due'> | undefined;
  #related: GeneratedRow[] | undefined;
  #relatedIds: string[] | undefined;

  constructor(ws: Workspace, pageNo: number) {
    const { db, row } = ws.rowOf(pageNo)!;
    this.#ws = ws;
    this.#pageNo = pageNo;
    this.#db = db;
    this.#seed = hashInts(ws.seed, 0x20a5, pageNo);
    this.row = row;
  }

  rnd(prop: PropertyDef): Random {
    let key = PROPERTY_KEYS.get(prop);
    if (key === undefined) {
      key = hashString(`${prop.type}:${prop.id}`);
      PROPERTY_KEYS.set(prop, key);
    }
    return new Random(this.#seed, key);
  }

  get #values(): Pick<RowContext, 'estimate' | 'done' | 'due'> {
    return (this.#base ??= rowBase(new Random(this.#ws.seed, 0x20a5, this.#pageNo)));
  }

  get estimate(): number | null {
    return this.#values.estimate;
  }

  get done(): boolean {
    return this.#values.done;
  }

  get due(): Json {
    return this.#values.due;
  }

  get title(): string {
    return this.#ws.pageTitle(this.#pageNo);
  }

  get created(): string {
    return iso(this.#ws.pageCreated(this.#pageNo));
  }

  get edited(): string {
    return iso(this.#ws.pageEdited(this.#pageNo));
  }

  get createdBy(): string {
    return this.#ws.userId(this.#ws.authors(0x9a6e, this.#pageNo).createdBy);
  }

  get editedBy(): string {
    return this.#ws.userId(this.#ws.authors(0x9a6e, this.#pageNo).editedBy);
  }

  userId(rnd: Random): string {
    return this.#ws.userId(rnd.int(this.#ws.options.users));
  }

  people(n: number): string[] {
    const ids: string[] = [];
    for (let u = 0; ids.length < n; u++) if (u >= this.#ws.options.users || !this.#ws.isBot(u)) ids.push(this.#ws.userId(u));
    return ids;
  }

  get #relatedRows(): GeneratedRow[] {
    return (this.#related ??= this.#ws.relatedPages(this.#pageNo).map((p) => new GeneratedRow(this.#ws, p)));
  }

  get related(): string[] {
    return (this.#relatedIds ??= this.#relatedRows.map((r) => this.#ws.pageId(r.#pageNo)));
  }

  relatedValues(propertyId: string): RelatedValues | undefined {
    const prop = this.#ws.schema(this.#ws.relationTarget(this.#db)).find((p) => p.id === propertyId);
    return prop === undefined ? undefined : { type: prop.type, values: this.#relatedRows.map((r) => propertyValue(prop, r)) };
  }

  get mentions(): MentionContext {
    return mentionContext(this.#ws);
  }

  hostedFile(name: string): JsonObject {
    return hostedFile(this.#ws, `${this.#pageNo}/${name}`);
  }

  valueSet(prop: PropertyDef): Json | undefined {
    return this.#ws.valueSet(this.#pageNo, prop.id);
  }
}

/** What the values of a row derive from (values are generated from it on request). */
export function rowContext(ws: Workspace, pageNo: number): RowContext {
  return new GeneratedRow(ws, pageNo);
}

/** The full value of every property of a row, keyed by property id (relations, people and rich text complete; rollups over every relation). */
export function rowPropertyValues(ws: Workspace, pageNo: number): Map<string, Json> {
  return rowValues(ws.schema(ws.rowOf(pageNo)!.db), rowContext(ws, pageNo));
}

/**
 * A page object (standalone page or row), with the properties `keep` accepts (default: all), each as
 * a page response shows it: truncated after 25 relations, people or mentions (see `pageValue`).
 */
export function renderPage(ws: Workspace, pageNo: number, version: NotionVersion, keep: (propertyId: string) => boolean = () => true): JsonObject {
  const id = ws.pageId(pageNo);
  const title = ws.pageTitle(pageNo);
  const authors = ws.authors(0x9a6e, pageNo);
  const row = ws.rowOf(pageNo);
  const properties: JsonObject = {};
  if (row === undefined) {
    if (keep('title')) properties.title = { id: 'title', type: 'title', title: [textItem(title)] };
  } else {
    const ctx = rowContext(ws, pageNo);
    for (const prop of ws.schema(row.db)) if (keep(prop.id)) properties[prop.name] = pageValue(prop, ctx);
  }
  const trashed = ws.isPageTrashed(pageNo);
  return {
    object: 'page',
    id,
    created_time: iso(ws.pageCreated(pageNo)),
    last_edited_time: iso(ws.pageEdited(pageNo)),
    created_by: user(ws.userId(authors.createdBy)),
    last_edited_by: user(ws.userId(authors.editedBy)),
    cover: pageNo % 5 === 0 ? { type: 'external', external: { url: `https://images.notionflow.invalid/cover-${pageNo % 7}.jpg` } } : null,
    icon: pageNo % 2 === 0 ? emoji('📄') : null,
    parent: pageParentJson(ws, pageNo, version),
    ...trashFields(version, trashed),
    is_locked: false,
    properties,
    url: pageUrl(id, title),
    public_url: null,
  };
}

function schemaJson(schema: readonly PropertyDef[], version: NotionVersion): JsonObject {
  const out: JsonObject = {};
  for (const p of schema) {
    out[p.name] = version === '2022-06-28'
      ? { id: p.id, name: p.name, type: p.type, [p.type]: p.config }
      : { id: p.id, name: p.name, description: null, type: p.type, [p.type]: p.config };
  }
  return out;
}

function databaseParentJson(ws: Workspace, d: number): JsonObject {
  const parent = ws.databaseParent(d);
  return parent < 0 ? { type: 'workspace', workspace: true } : { type: 'page_id', page_id: ws.pageId(parent) };
}

/** A database: 2022-06-28 with `properties`, from 2025-09-03 a container with `data_sources`. */
export function renderDatabase(ws: Workspace, d: number, version: NotionVersion): JsonObject {
  const id = ws.databaseId(d);
  const title = ws.databaseTitle(d);
  const times = ws.databaseTimes(d);
  const common = {
    object: 'database',
    id,
    title: [textItem(title)],
    description: [],
    parent: databaseParentJson(ws, d),
    is_inline: ws.databaseParent(d) >= 0 && d % 2 === 0,
    ...trashFields(version, false),
    is_locked: false,
    created_time: iso(times.created),
    last_edited_time: iso(times.edited),
    icon: emoji('🗂️'),
    cover: null,
    url: pageUrl(id, title),
    public_url: null,
  };
  if (version !== '2022-06-28') return { ...common, data_sources: [{ id: ws.dataSourceId(d), name: title }] };
  const authors = ws.authors(0xdb, d);
  return { ...common, created_by: user(ws.userId(authors.createdBy)), last_edited_by: user(ws.userId(authors.editedBy)), properties: schemaJson(ws.schema(d), version) };
}

/** A data source (2025-09-03 and later). */
export function renderDataSource(ws: Workspace, d: number, version: NotionVersion): JsonObject {
  const id = ws.dataSourceId(d);
  const title = ws.databaseTitle(d);
  const times = ws.databaseTimes(d);
  const authors = ws.authors(0xdb, d);
  return {
    object: 'data_source',
    id,
    title: [textItem(title)],
    description: [],
    parent: { type: 'database_id', database_id: ws.databaseId(d) },
    database_parent: databaseParentJson(ws, d),
    is_inline: ws.databaseParent(d) >= 0 && d % 2 === 0,
    ...trashFields(version, false),
    created_time: iso(times.created),
    last_edited_time: iso(times.edited),
    created_by: user(ws.userId(authors.createdBy)),
    last_edited_by: user(ws.userId(authors.editedBy)),
    properties: schemaJson(ws.schema(d), version),
    icon: emoji('🗂️'),
    cover: null,
    url: pageUrl(id, title),
    public_url: null,
  };
}

function payload(ws: Workspace, pageNo: number, node: BlockNode, rnd: Random): JsonObject {
  const ctx = mentionContext(ws);
  const text = (): JsonObject[] => (node.text !== undefined ? textItems(node.text) : richText(rnd, ctx));
  switch (node.type) {
    case 'paragraph':
    case 'bulleted_list_item':
    case 'numbered_list_item':
    case 'quote':
    case 'toggle':
      return { rich_text: text(), color: 'default' };
    case 'heading_1':
    case 'heading_2':
    case 'heading_3':
      return { rich_text: text(), is_toggleable: node.children.length > 0, color: 'default' };
    case 'to_do':
      return { rich_text: text(), checked: rnd.chance(0.4), color: 'default' };
    case 'callout':
      return { rich_text: text(), icon: emoji('💡'), color: 'gray_background' };
    case 'code':
      return { rich_text: [textItem(`const ${words(rnd, 1)} = ${rnd.int(100)};`)], caption: [], language: rnd.pick(['typescript', 'python', 'sql', 'plain text']) };
    case 'equation':
      return { expression: `\\sum_{i=1}^{${rnd.between(2, 9)}} i^2` };
    case 'divider':
    case 'column_list':
    case 'column':
      return {};
    case 'image':
      return rnd.chance(0.5)
        ? { caption: [], ...hostedFile(ws, `${pageNo}/${node.local}.png`) }
        : { caption: [textItem(makeTitle(rnd))], type: 'external', external: { url: `https://images.notionflow.invalid/${node.local}.jpg` } };
    case 'bookmark':
      return { caption: [], url: `https://example.com/${words(rnd, 2).replace(' ', '/')}` };
    case 'table':
      return { table_width: 3, has_column_header: true, has_row_header: false };
    case 'table_row':
      return { cells: [0, 1, 2].map(() => [textItem(words(rnd, rnd.between(1, 3)))]) };
    case 'synced_block':
      return { synced_from: node.ref >= 0 ? { type: 'block_id', block_id: encodeId(ws.seed, IdKind.block, node.ref) } : null };
    case 'child_page':
      return { title: ws.pageTitle(node.ref) };
    case 'child_database':
      return { title: ws.databaseTitle(node.ref) };
    case 'link_to_page':
      return { type: 'page_id', page_id: ws.pageId(node.ref) };
    case 'unsupported':
      return { block_type: 'form' };
    case 'meeting_notes': {
      const [summary, notes, transcript] = MEETING_PARTS.map((_, k) => encodeId(ws.seed, IdKind.block, pageNo * BLOCK_SPACE + node.local + 1 + k));
      const start = ws.blockTimes(pageNo, node).created;
      const first = rnd.int(ws.options.users);
      return {
        title: [textItem(`${makeTitle(rnd)} sync`)],
        status: 'notes_ready',
        children: { summary_block_id: summary!, notes_block_id: notes!, transcript_block_id: transcript! },
        calendar_event: {
          start_time: iso(start),
          end_time: iso(start + 30 * 60_000),
          attendees: Array.from({ length: Math.min(3, ws.options.users) }, (_, k) => ws.userId((first + k) % ws.options.users)),
        },
      };
    }
    default:
      return node.text !== undefined ? { rich_text: text(), color: 'default' } : {};
  }
}

/**
 * A block object (default: as the newest version shows it, whose type key is always `node.type`).
 * Children of a synced original keep the original as parent, also when listed through a reference.
 * A `meeting_notes` block is a `transcription` block before 2026-03-11.
 */
export function renderBlock(ws: Workspace, pageNo: number, node: BlockNode, version: NotionVersion = '2026-12-01'): JsonObject {
  const index = pageNo * BLOCK_SPACE + node.local;
  let times: { created: number; edited: number };
  let authors: { createdBy: number; editedBy: number };
  if (node.type === 'child_page') {
    times = { created: ws.pageCreated(node.ref), edited: ws.pageEdited(node.ref) };
    authors = ws.authors(0x9a6e, node.ref);
  } else if (node.type === 'child_database') {
    times = ws.databaseTimes(node.ref);
    authors = ws.authors(0xdb, node.ref);
  } else {
    times = ws.blockTimes(pageNo, node);
    authors = ws.authors(0xb10c, index);
  }
  const type = node.type === 'meeting_notes' && version < '2026-03-11' ? 'transcription' : node.type;
  return {
    object: 'block',
    id: node.id,
    parent: node.parent === undefined ? { type: 'page_id', page_id: ws.pageId(pageNo) } : { type: 'block_id', block_id: node.parent.id },
    created_time: iso(times.created),
    last_edited_time: iso(times.edited),
    created_by: user(ws.userId(authors.createdBy)),
    last_edited_by: user(ws.userId(authors.editedBy)),
    has_children: ws.hasChildren(node),
    ...trashFields(version, false),
    type,
    [type]: payload(ws, pageNo, node, new Random(ws.seed, 0xb1c, index)),
  };
}

/** A page retrieved as a block (`GET /v1/blocks/<page id>`): a child_page block. */
export function renderPageAsBlock(ws: Workspace, pageNo: number, version: NotionVersion): JsonObject {
  const authors = ws.authors(0x9a6e, pageNo);
  const trashed = ws.isPageTrashed(pageNo);
  return {
    object: 'block',
    id: ws.pageId(pageNo),
    parent: pageParentJson(ws, pageNo, version),
    created_time: iso(ws.pageCreated(pageNo)),
    last_edited_time: iso(ws.pageEdited(pageNo)),
    created_by: user(ws.userId(authors.createdBy)),
    last_edited_by: user(ws.userId(authors.editedBy)),
    has_children: ws.tree(pageNo).top.length > 0,
    ...trashFields(version, trashed),
    type: 'child_page',
    child_page: { title: ws.pageTitle(pageNo) },
  };
}

/** Comment `k` of an owner (page comment owner or block index). */
export function renderComment(ws: Workspace, ownerIndex: number, k: number): JsonObject {
  const pageNo = Math.floor(ownerIndex / BLOCK_SPACE);
  const onPage = ws.isPageCommentOwner(ownerIndex);
  const rnd = new Random(ws.seed, 0xc033, ownerIndex * COMMENT_SPACE + k);
  const u = rnd.int(ws.options.users);
  const created = ws.pageCreated(pageNo) + k * 60_000 + rnd.int(1000) * 60_000;
  const parentId = onPage ? ws.pageId(pageNo) : encodeId(ws.seed, IdKind.block, ownerIndex);
  return {
    object: 'comment',
    id: ws.commentId(ownerIndex, k),
    parent: onPage ? { type: 'page_id', page_id: parentId } : { type: 'block_id', block_id: parentId },
    discussion_id: ws.discussionId(ownerIndex, k),
    created_time: iso(created),
    last_edited_time: iso(created),
    created_by: user(ws.userId(u)),
    rich_text: richText(rnd, mentionContext(ws), 2),
    display_name: { type: 'user', resolved_name: ws.userName(u) },
  };
}

/** What `GET /v1/pages/:id/properties/:property_id` answers: one item, or a list (title, rich_text, people, relation, rollup). */
export type PropertyItemResult =
  | { readonly kind: 'item'; readonly item: JsonObject }
  | { readonly kind: 'list'; readonly items: JsonObject[]; readonly meta: JsonObject };

/**
 * The property item(s) of one property of a row, complete (no page-response limits). A rollup lists
 * the relation's items, with the result over every related row in the envelope (`meta.rollup`);
 * `show_original` lists instead one item per related row holding that row's value (a title item holds
 * the row's whole rich-text array, as in the page response's `array`), with `array: []` in the envelope.
 */
export function rowPropertyItems(ws: Workspace, pageNo: number, prop: PropertyDef): PropertyItemResult {
  const row = rowContext(ws, pageNo);
  const item = (type: string, v: Json, id = prop.id): JsonObject => ({ object: 'property_item', id, type, [type]: v });
  const value = propertyValue(prop, row);
  switch (prop.type) {
    case 'title':
    case 'rich_text':
    case 'people':
    case 'relation':
      return { kind: 'list', items: (value as Json[]).map((v) => item(prop.type, v)), meta: { id: prop.id, type: prop.type, [prop.type]: {} } };
    case 'rollup': {
      const rollup = value as JsonObject;
      const meta = { id: prop.id, type: 'rollup', rollup };
      if (rollup.function === 'show_original' && rollup.type === 'array') {
        const rolledId = prop.config.rollup_property_id as string;
        const items = (rollup.array as JsonObject[]).map((v) => item(v.type as string, v[v.type as string]!, rolledId));
        return { kind: 'list', items, meta: { ...meta, rollup: { ...rollup, array: [] } } };
      }
      const relationId = prop.config.relation_property_id as string;
      return { kind: 'list', items: row.related.map((id) => item('relation', { id }, relationId)), meta };
    }
    default:
      return { kind: 'item', item: item(prop.type, value) };
  }
}
