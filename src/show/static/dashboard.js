// The notionflow dashboard page: fetches the JSON endpoints of src/show/dashboard.ts and draws each section.
// Every value from the pipeline (names, rows, errors) becomes text through the DOM, never HTML: the page's
// Content-Security-Policy enforces Trusted Types, so assigning a string to innerHTML would throw.

const SECTIONS = ['overview', 'loads', 'schema', 'state', 'data', 'sql', 'trace'];
/** Characters of a cell shown before it is cut (the whole value is in its tooltip). */
const CELL_CHARS = 160;

/** An element with attributes and children; strings and numbers become text nodes. */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, init) {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok && body && body.error) throw new Error(body.error);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return body;
}

function contentOf(section) {
  return document.querySelector(`#${section} .content`);
}

const fmt = {
  number: (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US')),
  time: (iso) => (iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC') : '—'),
  duration(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  },
};

/** A cell's text: JSON for lists and objects, cut after CELL_CHARS. */
function cell(value) {
  if (value === null || value === undefined) return h('td', { class: 'null' }, 'null');
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const cut = text.length > CELL_CHARS ? `${text.slice(0, CELL_CHARS)}…` : text;
  return h('td', { title: cut === text ? undefined : text, class: typeof value === 'number' ? 'num' : undefined }, cut);
}

function grid(columns, rows, caption) {
  return h(
    'div',
    { class: 'grid' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map(cell))) : h('tr', {}, h('td', { colspan: columns.length, class: 'null' }, 'none'))),
    ),
  );
}

/** A two-column list of facts. */
function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v instanceof Node ? v : v ?? '—')]));
}

function errorBox(error) {
  return h('div', { class: 'error', role: 'alert' }, error.message ?? String(error));
}

function tableLink(name) {
  return h('a', { href: `#data/${encodeURIComponent(name)}`, class: 'table-link' }, name);
}

function badge(ok, text) {
  return h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, text);
}

/** A load's status: a badge, and the words when it is not complete. */
function loadStatus(load) {
  return load.status === 0 ? badge(true, 'completed') : h('span', {}, badge(false, 'not finished'), h('div', { class: 'hint' }, load.statusText));
}

// ---- sections -------------------------------------------------------------------------------------

async function overview() {
  const o = await api('/api/overview');
  const last = o.lastLoad;
  const run = o.lastRun;
  const depth = (t) => {
    let d = 0;
    for (let p = t.parent; p; p = o.tables.find((x) => x.name === p)?.parent) d++;
    return d;
  };
  return [
    h(
      'div',
      { class: 'cards' },
      h('article', { class: 'card' }, h('h3', {}, 'Pipeline'), facts([['Name', o.pipelineName], ['Dataset', o.datasetName]])),
      h('article', { class: 'card' }, h('h3', {}, 'Destination'), facts([['Name', o.destination.name], ['Location', h('code', {}, o.destination.location)]])),
      h(
        'article',
        { class: 'card' },
        h('h3', {}, 'Last load'),
        last
          ? facts([
              ['Load id', h('code', {}, last.loadId)],
              ['Status', loadStatus(last)],
              ['Committed', fmt.time(last.insertedAt)],
              ['Duration', fmt.duration(last.durationMs)],
            ])
          : h('p', {}, 'Nothing loaded yet.'),
      ),
      h(
        'article',
        { class: 'card' },
        h('h3', {}, 'Last run'),
        run
          ? facts([['Status', badge(run.status === 'completed', run.status)], ['Load id', run.loadId ? h('code', {}, run.loadId) : '—'], ['Finished', fmt.time(run.finishedAt)], ...(run.error ? [['Error', h('span', { class: 'error-text' }, run.error)]] : [])])
          : h('p', {}, 'No trace yet.'),
      ),
    ),
    h('h3', {}, `Tables (${o.tables.length})`),
    o.tables.length === 0
      ? h('p', { id: 'no-tables' }, o.notFound ? `Nothing loaded yet: ${o.notFound}.` : 'The dataset has no tables yet.')
      : [
          h('p', { class: 'hint' }, 'Rows per table, each child table (a list inside a row) under its table. Click a name to browse its rows.'),
          h('div', { id: 'overview-tables', class: 'table-groups' }, [...groupByRoot(o.tables).values()].map((group) =>
            h('div', { class: 'grid group' }, h('table', {}, h('tbody', {}, group.map((t) =>
              h('tr', { class: t.parent ? undefined : 'root' }, h('td', { class: `depth-${Math.min(depth(t), 4)}` }, tableLink(t.name)), h('td', { class: 'num' }, fmt.number(t.rows))),
            )))),
          )),
        ],
  ];
}

/** Tables by their root table, in the order the roots come (children sort after their root by name). */
function groupByRoot(tables) {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const groups = new Map();
  for (const t of tables) {
    let root = t;
    while (root.parent && byName.has(root.parent)) root = byName.get(root.parent);
    groups.set(root.name, [...(groups.get(root.name) ?? []), t]);
  }
  return groups;
}

async function loads() {
  const { loads } = await api('/api/loads');
  if (loads.length === 0) return h('p', {}, 'No loads yet.');
  return h(
    'div',
    { class: 'grid' },
    h(
      'table',
      { id: 'loads-table' },
      h('thead', {}, h('tr', {}, ['Load id', 'Started', 'Committed', 'Status', 'Duration', 'Rows', 'Requests'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        loads.map((l) => {
          const rows = Object.entries(l.rows);
          const total = rows.reduce((s, [, n]) => s + n, 0);
          return h(
            'tr',
            {},
            h('td', {}, h('code', {}, l.loadId)),
            h('td', {}, fmt.time(l.startedAt)),
            h('td', {}, fmt.time(l.insertedAt)),
            h('td', {}, loadStatus(l)),
            h('td', { class: 'num' }, fmt.duration(l.durationMs)),
            h(
              'td',
              {},
              h(
                'details',
                {},
                h('summary', {}, `${fmt.number(total)} rows in ${rows.length} tables`),
                grid(['Table', 'Rows now', ...(l.rowsWritten ? ['Rows written'] : [])], rows.map(([t, n]) => [t, n, ...(l.rowsWritten ? [l.rowsWritten[t] ?? null] : [])])),
              ),
            ),
            h('td', { class: 'num' }, fmt.number(l.requests)),
          );
        }),
      ),
    ),
  );
}

async function schema() {
  const s = await api('/api/schema');
  const children = new Map();
  for (const t of s.tables) if (t.parent) children.set(t.parent, [...(children.get(t.parent) ?? []), t]);
  const node = (t) =>
    h(
      'li',
      {},
      h(
        'details',
        {},
        h('summary', {}, h('span', { class: 'table-name' }, t.name), ` ${t.columns.length} columns`, t.writeDisposition ? ` · ${t.writeDisposition}` : '', t.primaryKey.length ? ` · key ${t.primaryKey.join(', ')}` : ''),
        grid(['Column', 'Type', 'Nullable'], t.columns.map((c) => [c.name, c.dataType, c.nullable === null ? null : c.nullable ? 'yes' : 'no'])),
      ),
      children.has(t.name) ? h('ul', {}, children.get(t.name).map(node)) : null,
    );
  const roots = s.tables.filter((t) => !t.parent || !s.tables.some((x) => x.name === t.parent));
  return [
    s.schemaVersionHash ? h('p', {}, 'Stored schema version ', h('code', {}, s.schemaVersionHash)) : h('p', {}, 'No stored schema yet.'),
    h('h3', {}, 'Tables and child tables'),
    h('ul', { class: 'tree', id: 'schema-tree' }, roots.map(node)),
    h('h3', {}, 'Typed tables'),
    s.typedTables.length === 0
      ? h('p', {}, 'No typed tables (one per Notion database) in this dataset.')
      : s.typedTables.map((t) =>
          h(
            'details',
            { class: 'typed' },
            h('summary', {}, h('span', { class: 'table-name' }, t.table), ` ← Notion database “${t.databaseTitle}”`),
            grid(
              ['Column', 'Notion property', 'Type', 'Cell', 'Property id', 'Filled'],
              t.columns.map((c) => [c.column, c.propertyName, c.propertyType, c.cell, c.propertyId, c.deleted ? 'no: deleted or retyped' : 'yes']),
            ),
          ),
        ),
  ];
}

async function state() {
  const s = await api('/api/state');
  if (!s.loadId) return h('p', {}, 'No stored state yet: the pipeline has not committed a load.');
  return [
    facts([['Stored with load', h('code', {}, s.loadId)]]),
    s.sources.map((src) =>
      h(
        'article',
        { class: 'card wide' },
        h('h3', {}, `Source ${src.name}`),
        facts([
          ['Notion version', src.notionVersion],
          ['Pages cursor (last_edited_time)', src.pagesCursor ?? 'none'],
          ['Page trees loaded (checkpoints)', fmt.number(src.checkpoints)],
          ['Last complete run started', fmt.time(src.runStartedAt)],
        ]),
        src.rowCursors.length ? grid(['Data source', 'Typed table', 'Rows cursor'], src.rowCursors.map((c) => [c.id, c.table, c.cursor])) : null,
      ),
    ),
    h('details', {}, h('summary', {}, 'Stored state (large maps shown as their size)'), h('pre', {}, JSON.stringify(s.state, null, 2))),
  ];
}

let tablesForData;
async function data(table, page = 0) {
  const select = document.getElementById('data-table');
  if (!tablesForData) {
    tablesForData = (await api('/api/overview')).tables.map((t) => t.name);
    select.replaceChildren(...tablesForData.map((name) => h('option', { value: name }, name)));
  }
  if (tablesForData.length === 0) return h('p', {}, 'The dataset has no tables yet.');
  const name = table ?? select.value ?? tablesForData[0];
  select.value = name;
  const r = await api(`/api/tables/${encodeURIComponent(name)}/rows?page=${page}`);
  const from = r.total === 0 ? 0 : r.page * r.pageSize + 1;
  const to = r.page * r.pageSize + r.rows.length;
  const go = (p) => () => show('data', name, p);
  return [
    h(
      'div',
      { class: 'pager' },
      h('button', { type: 'button', id: 'data-prev', disabled: r.page === 0, onclick: go(r.page - 1) }, '← Previous'),
      h('span', { id: 'data-range' }, `${r.table}: rows ${fmt.number(from)}–${fmt.number(to)} of ${fmt.number(r.total)}`),
      h('button', { type: 'button', id: 'data-next', disabled: to >= r.total, onclick: go(r.page + 1) }, 'Next →'),
    ),
    grid(r.columns, r.rows),
  ];
}

async function runSql() {
  const input = document.getElementById('sql-input');
  const error = document.getElementById('sql-error');
  const result = document.getElementById('sql-result');
  const button = document.getElementById('sql-run');
  button.disabled = true;
  error.hidden = true;
  result.replaceChildren(h('p', { class: 'hint' }, 'Running…'));
  try {
    const started = performance.now();
    const response = await fetch('/api/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: input.value }) });
    const r = await response.json();
    if (!r.ok) throw new Error(r.error ?? `${response.status} ${response.statusText}`);
    const ms = performance.now() - started;
    result.replaceChildren(
      h('p', { class: 'hint', id: 'sql-summary' }, `${fmt.number(r.rows.length)} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ' (first 500 shown)' : ''} in ${fmt.duration(ms)}`),
      r.rows.length ? grid(r.columns, r.rows) : null,
    );
  } catch (e) {
    result.replaceChildren();
    error.textContent = e.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

async function trace() {
  const { path, trace: t } = await api('/api/trace');
  if (!t) return h('p', { id: 'no-trace' }, 'No trace yet: ', h('code', {}, path), ' is written by the next run.');
  const req = t.requests ?? {};
  const pairs = (obj) => Object.entries(obj ?? {}).sort(([, a], [, b]) => b - a);
  return [
    facts([
      ['Status', badge(t.status === 'completed', t.status)],
      ['Load id', t.loadId ? h('code', {}, t.loadId) : '—'],
      ['Destination', `${t.destinationName ?? '—'}, dataset ${t.datasetName ?? '—'}`],
      ['Started', fmt.time(t.startedAt)],
      ['Finished', fmt.time(t.finishedAt)],
      ['Commits', fmt.number(t.commits)],
      ...(t.error ? [['Error', h('span', { class: 'error-text' }, typeof t.error === 'string' ? t.error : JSON.stringify(t.error))]] : []),
    ]),
    h('h3', {}, 'Time per step'),
    grid(['Step', 'Started', 'Finished', 'Time'], (t.steps ?? []).map((s) => [s.name, fmt.time(s.startedAt), fmt.time(s.finishedAt), fmt.duration(s.ms)])),
    h('h3', {}, 'Requests'),
    facts([['Total', fmt.number(req.total)], ['Waits for the rate limit (429 or budget)', fmt.number(req.rateLimitWaits)], ['Time spent waiting', fmt.duration(req.rateLimitWaitMs)]]),
    h('div', { class: 'cards' }, grid(['Endpoint', 'Requests'], pairs(req.byEndpoint), 'By endpoint'), grid(['Status', 'Responses'], pairs(req.byStatus), 'By status'), grid(['Retry class', 'Retries'], pairs(req.retriesByClass), 'Retries by class')),
    h('h3', {}, 'Rows written'),
    grid(['Table', 'Rows'], pairs(t.rowCounts)),
    h('details', {}, h('summary', {}, 'Raw trace'), h('pre', {}, JSON.stringify(t, null, 2))),
  ];
}

// ---- navigation -----------------------------------------------------------------------------------

const RENDER = { overview, loads, schema, state, data, trace };

async function show(section, ...args) {
  for (const s of SECTIONS) document.getElementById(s).hidden = s !== section;
  for (const a of document.querySelectorAll('nav a')) a.setAttribute('aria-current', a.getAttribute('href') === `#${section}` ? 'page' : 'false');
  const render = RENDER[section];
  if (!render) return;
  const target = contentOf(section);
  target.setAttribute('aria-busy', 'true');
  try {
    const content = await render(...args);
    target.replaceChildren(...[content].flat(2).filter(Boolean));
  } catch (e) {
    target.replaceChildren(errorBox(e));
  } finally {
    target.removeAttribute('aria-busy');
  }
}

function route() {
  const [section, arg] = location.hash.slice(1).split('/');
  const name = SECTIONS.includes(section) ? section : 'overview';
  show(name, ...(name === 'data' && arg ? [decodeURIComponent(arg)] : []));
}

document.addEventListener('DOMContentLoaded', () => {
  window.addEventListener('hashchange', route);
  document.getElementById('refresh').addEventListener('click', () => {
    tablesForData = undefined;
    route();
  });
  document.getElementById('data-table').addEventListener('change', (e) => {
    location.hash = `#data/${encodeURIComponent(e.target.value)}`;
  });
  document.getElementById('sql-run').addEventListener('click', runSql);
  document.getElementById('sql-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) runSql();
  });
  route();
  // The header's name; a section that cannot load says why itself.
  api('/api/pipeline').then((p) => {
    document.getElementById('pipeline-name').textContent = p.pipelineName;
    document.title = `${p.pipelineName} · notionflow dashboard`;
  }, () => undefined);
});
