import { describe, expect, it } from '@jest/globals';
import { TypedTables } from '../../src/notion/typed-tables.js';

const ds = (id: string, title: string, properties: Record<string, { id: string; type: string }>) => ({
  object: 'data_source',
  id,
  title: [{ type: 'text', plain_text: title }],
  parent: { type: 'database_id', database_id: `db-${id}` },
  properties: Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, { ...p, name }])),
});
const row = (id: string, dsId: string, properties: Record<string, unknown>) => ({
  object: 'page',
  id,
  url: `https://www.notion.so/${id}`,
  created_time: '2024-01-01T00:00:00.000Z',
  last_edited_time: '2024-01-02T00:00:00.000Z',
  created_by: { object: 'user', id: 'u1' },
  last_edited_by: { object: 'user', id: 'u2' },
  in_trash: false,
  parent: { type: 'data_source_id', data_source_id: dsId, database_id: `db-${dsId}` },
  properties,
});
const reserved = ['pages', 'blocks', 'users'];

describe('TypedTables', () => {
  it('names a table after its database and breaks collisions with core tables and other databases by id', () => {
    const typed = new TypedTables(undefined, { dataSources: true, reserved });
    typed.register(ds('11111111-aaaa', 'Projects & Tasks', {}));
    typed.register(ds('22222222-bbbb', 'Pages', {}));
    typed.register(ds('33333333-cccc', 'projects tasks', {}));
    typed.register(ds('44444444-dddd', '', {}));
    typed.register(ds('55555555-eeee', '_dlt_loads', {}));
    expect(typed.tables).toEqual(['projects_tasks', 'pages_22222222', 'projects_tasks_33333333', 'untitled', 't_dlt_loads']);
  });

  it('types every property kind into its columns, dates with end and time zone, unique ids with their number', () => {
    const typed = new TypedTables(undefined, { dataSources: true, reserved });
    typed.register(ds('d1', 'Tasks', { Name: { id: 'title', type: 'title' }, Due: { id: 'due', type: 'date' }, ID: { id: 'uid', type: 'unique_id' }, Tags: { id: 'ms', type: 'multi_select' } }));
    const r = typed.rowOf(
      row('p1', 'd1', {
        Name: { id: 'title', type: 'title', title: [{ plain_text: 'Ship ' }, { plain_text: 'it' }] },
        Due: { id: 'due', type: 'date', date: { start: '2024-05-01T10:00:00.000+02:00', end: '2024-05-02', time_zone: 'Europe/Berlin' } },
        ID: { id: 'uid', type: 'unique_id', unique_id: { prefix: 'TASK', number: 12 } },
        Tags: { id: 'ms', type: 'multi_select', multi_select: [{ name: 'a' }, { name: 'b' }] },
        Score: { id: 'fx', type: 'formula', formula: { type: 'number', number: 3.5 } },
      }),
    )!;
    expect(r.table).toBe('tasks');
    expect(r.row).toMatchObject({
      id: 'p1',
      name: 'Ship it',
      due: '2024-05-01T10:00:00.000+02:00',
      due__end: '2024-05-02',
      due__time_zone: 'Europe/Berlin',
      // `id` is a system column: the unique id property named "ID" gets its type as a suffix.
      id_unique_id: 'TASK-12',
      id_unique_id__number: 12,
      tags: ['a', 'b'],
      score: 3.5,
      created_by: 'u1',
      data_source_id: 'd1',
      database_id: 'db-d1',
    });
    const declared = Object.fromEntries(typed.declarationOf('tasks').columns.map((c) => [c.name, c.dataType]));
    expect(declared).toMatchObject({ name: 'text', due: 'timestamp', due__end: 'timestamp', due__time_zone: 'text', id_unique_id: 'text', id_unique_id__number: 'bigint', tags: 'text_list', score: 'double', in_trash: 'bool' });
  });

  it('keeps a renamed property and a renamed database in their columns and table; a retyped property gets a new column; a deleted one is retired', () => {
    const first = new TypedTables(undefined, { dataSources: true, reserved });
    first.register(ds('d1', 'Tasks', { Estimate: { id: 'est', type: 'number' }, Notes: { id: 'nt', type: 'rich_text' }, Gone: { id: 'g', type: 'checkbox' } }));
    first.takeMappingRows();
    const second = new TypedTables(first.state(), { dataSources: true, reserved });
    second.register(ds('d1', 'Renamed tasks', { Effort: { id: 'est', type: 'number' }, Notes: { id: 'nt', type: 'select' } }));
    expect(second.tables).toEqual(['tasks']);
    const r = second.rowOf(row('p1', 'd1', { Effort: { id: 'est', type: 'number', number: 2 }, Notes: { id: 'nt', type: 'select', select: { name: 'x' } } }))!;
    expect(r.row).toMatchObject({ estimate: 2, notes_select: 'x' });
    expect(r.row).not.toHaveProperty('effort');
    const mapping = second.takeMappingRows();
    const byColumn = Object.fromEntries(mapping.map((m) => [m.column_name, m]));
    expect(byColumn['estimate']).toMatchObject({ property_name: 'Effort', deleted: false, database_title: 'Renamed tasks' });
    expect(byColumn['notes']).toMatchObject({ property_type: 'rich_text', deleted: true });
    expect(byColumn['notes_select']).toMatchObject({ property_type: 'select', deleted: false });
    expect(byColumn['gone']).toMatchObject({ deleted: true });
    // Nothing changed since: no mapping rows to write again.
    second.rowOf(row('p2', 'd1', { Effort: { id: 'est', type: 'number', number: 1 } }));
    expect(second.takeMappingRows()).toEqual([]);
  });

  it('gives a formula whose result type changes a column per result type, and keeps unknown types as JSON', () => {
    const typed = new TypedTables(undefined, { dataSources: false, reserved });
    typed.register({ object: 'database', id: 'db1', title: [{ plain_text: 'Old' }], properties: {} });
    const page = (id: string, formula: unknown) => ({ ...row(id, 'x', { F: { id: 'f', type: 'formula', formula }, P: { id: 'p', type: 'place', place: { lat: 1, lon: 2 } } }), parent: { type: 'database_id', database_id: 'db1' } });
    const a = typed.rowOf(page('a', { type: 'number', number: 1 }))!;
    const b = typed.rowOf(page('b', { type: 'string', string: 's' }))!;
    expect(a.row).toMatchObject({ f: 1, p: { lat: 1, lon: 2 } });
    expect(b.row).toMatchObject({ f_formula_string: 's' });
    expect(a.row).not.toHaveProperty('data_source_id');
  });
});
