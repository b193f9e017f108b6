import { describe, expect, it } from '@jest/globals';
import { childrenIndex, renderPageContent, richTextToMarkdown } from '../../src/notion/markdown.js';
import type { ContentBlock, RenderedContent } from '../../src/notion/markdown.js';

const PAGE = 'page-0000';
/** PRNG seeds of the property check (each a tree of about 300 blocks). */
const SEEDS = [1, 2, 3, 20240601];

interface Annotations {
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly strikethrough?: boolean;
  readonly underline?: boolean;
  readonly code?: boolean;
  readonly color?: string;
}

/** A rich-text item of type `text`, in the API's full shape. */
function text(content: string, annotations: Annotations = {}, href: string | null = null): Record<string, unknown> {
  return {
    type: 'text',
    text: { content, link: href === null ? null : { url: href } },
    plain_text: content,
    href,
    annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default', ...annotations },
  };
}

function mention(plain: string, mentioned: Record<string, unknown>, href: string | null = null): Record<string, unknown> {
  return { ...text(plain, {}, href), type: 'mention', text: undefined, mention: mentioned };
}

function equation(expression: string): Record<string, unknown> {
  return { ...text(expression), type: 'equation', text: undefined, equation: { expression } };
}

type Rich = string | readonly Record<string, unknown>[];
const rich = (value: Rich): readonly Record<string, unknown>[] => (typeof value === 'string' ? [text(value)] : value);

interface Tree {
  readonly id: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly children: readonly Tree[];
}

let nextId = 0;
function block(type: string, payload: Record<string, unknown> = {}, children: readonly Tree[] = [], id = `b${++nextId}`): Tree {
  return { id, type, payload, children };
}

const p = (value: Rich, children: readonly Tree[] = []): Tree => block('paragraph', { rich_text: rich(value), color: 'default' }, children);
const bullet = (value: Rich, children: readonly Tree[] = []): Tree => block('bulleted_list_item', { rich_text: rich(value) }, children);
const numbered = (value: Rich, children: readonly Tree[] = [], extra: Record<string, unknown> = {}): Tree =>
  block('numbered_list_item', { rich_text: rich(value), ...extra }, children);
const todo = (value: Rich, checked: boolean, children: readonly Tree[] = []): Tree =>
  block('to_do', { rich_text: rich(value), checked }, children);
const row = (...cells: Rich[]): Tree => block('table_row', { cells: cells.map(rich) });
const syncedFrom = (original: string): Record<string, unknown> => ({ synced_from: { type: 'block_id', block_id: original } });

/** A stored block outside the page's tree (a synced original's content, say). */
function stored(id: string, type: string, payload: Record<string, unknown>, parentId?: string, position?: number): ContentBlock {
  return { id, type, [type]: payload, parent_id: parentId, position };
}

/** The blocks of a tree as the pipeline stores them, in reverse order so that the renderer must sort. */
function flatten(parentId: string, trees: readonly Tree[], depth = 0): ContentBlock[] {
  return trees.flatMap((tree, position) => [
    ...flatten(tree.id, tree.children, depth + 1),
    {
      object: 'block',
      id: tree.id,
      type: tree.type,
      [tree.type]: tree.payload,
      has_children: tree.children.length > 0,
      parent_id: parentId,
      page_id: PAGE,
      depth,
      position,
    },
  ]).reverse();
}

function render(trees: readonly Tree[], elsewhere: readonly ContentBlock[] = []): RenderedContent {
  return renderPageContent(PAGE, childrenIndex([...flatten(PAGE, trees), ...elsewhere]));
}

/** What a reader sees once backslash escapes are removed. */
const unescape = (markdown: string): string => markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');

const HOSTED = 'https://prod-files-secure.s3.us-west-2.amazonaws.com/ws-1/f-2/Q3%20report.pdf?X-Amz-Expires=3600&X-Amz-Signature=abc123';
const hosted = (url = HOSTED): Record<string, unknown> => ({ type: 'file', file: { url, expiry_time: '2026-01-01T01:00:00.000Z' } });
const external = (url: string): Record<string, unknown> => ({ type: 'external', external: { url } });

describe('renderPageContent', () => {
  it('renders a page holding every block type', () => {
    const page = [
      block('heading_1', { rich_text: rich('Title'), is_toggleable: false }),
      block('heading_2', { rich_text: rich('Section') }),
      block('heading_3', { rich_text: rich('Sub') }),
      block('heading_4', { rich_text: rich('Minor') }),
      block('heading_2', { rich_text: rich('Toggle heading'), is_toggleable: true }, [p('Under the heading.')]),
      p([text('Plain, '), text('bold', { bold: true }), text(' and '), text('linked', {}, 'https://example.com/a b')]),
      p('Line one\nline two'),
      bullet('Bullet', [bullet('Nested bullet')]),
      numbered('First'),
      numbered('Second', [p('Second, more.')]),
      todo('Open task', false),
      todo('Done task', true),
      block('quote', { rich_text: rich('Quoted') }, [p('Quoted child')]),
      block('callout', { rich_text: rich('Note this'), icon: { type: 'emoji', emoji: '💡' } }, [bullet('Callout child')]),
      block('callout', { rich_text: rich('No emoji'), icon: { type: 'external', external: { url: 'https://example.com/i.png' } } }),
      block('toggle', { rich_text: rich('More') }, [p('Hidden')]),
      block('code', { rich_text: rich('const a = `x`;\n```'), caption: [], language: 'typescript' }),
      block('code', { rich_text: rich('plain'), caption: rich('A caption'), language: 'plain text' }),
      block('equation', { expression: 'e^{i\\pi} + 1 = 0' }),
      block('divider'),
      block('table', { table_width: 2, has_column_header: true, has_row_header: false }, [row('Name', 'Value'), row('a|b', 'c')]),
      block('table', { table_width: 2, has_column_header: false, has_row_header: true }, [row('x', 'y')]),
      block('column_list', {}, [block('column', {}, [p('Left')]), block('column', {}, [p('Right')])]),
      block('synced_block', { synced_from: null }, [p('Synced here')]),
      block('synced_block', syncedFrom('orig-1')),
      block('synced_block', syncedFrom('orig-missing')),
      block('child_page', { title: 'Sub page' }, [], '11111111-2222-3333-4444-555555555555'),
      block('child_database', { title: 'Tasks' }, [], 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'),
      block('link_to_page', { type: 'page_id', page_id: '99999999-8888-7777-6666-555555555555' }),
      block('bookmark', { url: 'https://example.com/bm', caption: [] }),
      block('embed', { url: 'https://example.com/embed', caption: rich('An embed') }),
      block('link_preview', { url: 'https://github.com/o/r/pull/1' }),
      block('image', { ...external('https://example.com/cat.png'), caption: rich('A cat') }),
      block('image', { ...hosted('https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/f/photo.png?X-Amz-Signature=s'), caption: [] }),
      block('video', { ...external('https://example.com/v.mp4'), caption: [] }),
      block('pdf', { ...hosted(), caption: [] }),
      block('audio', { ...hosted('https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/f/a.mp3?sig=1'), caption: rich('Voice memo') }),
      block('file', { ...hosted(), caption: [], name: 'data.csv' }),
      block('template', { rich_text: rich('Add a task') }),
      block('meeting_notes', { title: 'Standup' }, [p('Notes body')]),
      block('transcription', {}, [p('Transcript body')]),
      block('tab', {}, [p('Tab one', [p('Tab content')])]),
      block('table_of_contents', { color: 'default' }),
      block('breadcrumb'),
      block('unsupported', { block_type: 'form' }),
      block('future_block', { rich_text: rich('From the future') }),
      block('future_container', { something: 1 }),
    ];
    const { markdown } = render(page, [
      stored('orig-1', 'synced_block', { synced_from: null }, 'other-page', 0),
      stored('orig-1-c', 'paragraph', { rich_text: rich('From the original') }, 'orig-1', 0),
    ]);

    expect(markdown).toBe(
      [
        '# Title',
        '',
        '## Section',
        '',
        '### Sub',
        '',
        '#### Minor',
        '',
        '## Toggle heading',
        '',
        'Under the heading.',
        '',
        'Plain, **bold** and [linked](https://example.com/a%20b)',
        '',
        'Line one\\',
        'line two',
        '',
        '- Bullet',
        '  - Nested bullet',
        '',
        '1. First',
        '2. Second',
        '',
        '   Second, more.',
        '',
        '- [ ] Open task',
        '- [x] Done task',
        '',
        '> Quoted',
        '>',
        '> Quoted child',
        '',
        '> 💡 Note this',
        '>',
        '> - Callout child',
        '',
        '> No emoji',
        '',
        '<details><summary>More</summary>',
        '',
        'Hidden',
        '',
        '</details>',
        '',
        '````typescript',
        'const a = `x`;',
        '```',
        '````',
        '',
        '```',
        'plain',
        '```',
        '',
        'A caption',
        '',
        '$$',
        'e^{i\\pi} + 1 = 0',
        '$$',
        '',
        '---',
        '',
        '| Name | Value |',
        '| --- | --- |',
        '| a\\|b | c |',
        '',
        '| | |',
        '| --- | --- |',
        '| x | y |',
        '',
        'Left',
        '',
        'Right',
        '',
        'Synced here',
        '',
        'From the original',
        '',
        '<!-- synced from orig-missing -->',
        '',
        '[Sub page](https://www.notion.so/11111111222233334444555555555555)',
        '',
        '[Tasks](https://www.notion.so/aaaaaaaabbbbccccddddeeeeeeeeeeee)',
        '',
        '[link to page](https://www.notion.so/99999999888877776666555555555555)',
        '',
        '[https://example.com/bm](https://example.com/bm)',
        '',
        '[An embed](https://example.com/embed)',
        '',
        '[https://github.com/o/r/pull/1](https://github.com/o/r/pull/1)',
        '',
        '![A cat](https://example.com/cat.png)',
        '',
        '[photo.png] (Notion-hosted file)',
        '',
        '[v.mp4](https://example.com/v.mp4)',
        '',
        '[Q3 report.pdf] (Notion-hosted file)',
        '',
        '[Voice memo] (Notion-hosted file)',
        '',
        '[data.csv] (Notion-hosted file)',
        '',
        'Add a task',
        '',
        '### Standup',
        '',
        'Notes body',
        '',
        '### Meeting notes',
        '',
        'Transcript body',
        '',
        'Tab one',
        '',
        'Tab content',
        '',
        '<!-- unsupported block: form -->',
        '',
        'From the future',
        '',
      ].join('\n'),
    );
  });

  it('nests bulleted, numbered and to-do lists three levels deep, numbering consecutive siblings', () => {
    const { markdown } = render([
      bullet('a', [bullet('a.1', [bullet('a.1.1')])]),
      bullet('b'),
      p('between'),
      numbered('one', [numbered('one.one', [numbered('deep')]), numbered('one.two')]),
      numbered('two'),
      numbered('three'),
      p('restart'),
      numbered('ten', [], { list_start_index: 10 }),
      numbered('eleven', [todo('x', true, [todo('y', false, [todo('z', false)])])]),
      numbered('after'),
    ]);
    expect(markdown).toBe(
      [
        '- a',
        '  - a.1',
        '    - a.1.1',
        '- b',
        '',
        'between',
        '',
        '1. one',
        '   1. one.one',
        '      1. deep',
        '   2. one.two',
        '2. two',
        '3. three',
        '',
        'restart',
        '',
        '10. ten',
        '11. eleven',
        '    - [x] x',
        '      - [ ] y',
        '        - [ ] z',
        '12. after',
        '',
      ].join('\n'),
    );
  });

  it('indents continuation lines and non-list children under their list item', () => {
    const { markdown } = render([
      bullet('first line\nsecond line', [p('child paragraph'), block('code', { rich_text: rich('x\n\ny'), language: 'js' })]),
    ]);
    expect(markdown).toBe(
      ['- first line\\', '  second line', '', '  child paragraph', '', '  ```js', '  x', '', '  y', '  ```', ''].join('\n'),
    );
  });

  it('renders annotations, links, equations and mentions', () => {
    const md = richTextToMarkdown([
      text('a '),
      text('bold', { bold: true }),
      text(' '),
      text('it', { italic: true }),
      text(' '),
      text('gone', { strikethrough: true }),
      text(' '),
      text('x = 1', { code: true }),
      text(' '),
      text('under', { underline: true, color: 'red' }),
      text(' '),
      text(' spaced ', { bold: true }),
      text('all', { bold: true, italic: true, strikethrough: true }),
      text(' '),
      text('link', { bold: true }, 'https://x.example/(a) b'),
      text(' '),
      equation('x^2'),
      text(' by '),
      mention('@Ada Lovelace', { type: 'user', user: { object: 'user', id: 'u1' } }),
      text(' on '),
      mention('January 2, 2024', { type: 'date', date: { start: '2024-01-02', end: null, time_zone: null } }),
      text(' in '),
      mention('Other page', { type: 'page', page: { id: 'p2' } }, 'https://www.notion.so/p2'),
    ]);
    expect(md).toBe(
      'a **bold** _it_ ~~gone~~ `x = 1` under  **spaced** **_~~all~~_** [**link**](https://x.example/%28a%29%20b) $x^2$' +
        ' by @Ada Lovelace on January 2, 2024 in [Other page](https://www.notion.so/p2)',
    );
  });

  it('fences code spans longer than their backtick runs and joins equally formatted runs', () => {
    expect(richTextToMarkdown([text('a`b', { code: true }), text(' '), text('`x', { code: true })])).toBe('``a`b`` `` `x ``');
    const boldMention = { ...mention('@Ada', { type: 'user' }), annotations: { bold: true } };
    expect(richTextToMarkdown([text('Hi ', { bold: true }), boldMention])).toBe('**Hi @Ada**');
    expect(richTextToMarkdown([text('Wow!'), text('site', {}, 'https://a.example')])).toBe('Wow\\![site](https://a.example)');
  });

  it('escapes Markdown-significant characters, and only where needed', () => {
    const lines = [
      '2 * 3 = 6, snake_case, #tag, <b>, [x](y), ~~no~~, $5, &amp; and a \\ backslash',
      '# not a heading',
      '- not a list',
      '1. not a list',
      '> not a quote',
      '+ plus',
      'a\n# b\n- c',
    ];
    const { markdown, plain_text } = render([
      ...lines.map((line) => p(line)),
      block('heading_2', { rich_text: rich('Issue #') }),
      block('heading_3', { rich_text: rich('C# and F#') }),
      block('table', { table_width: 2, has_column_header: false }, [row('a | b', [text('x|y', { code: true })])]),
    ]);
    expect(markdown).toBe(
      [
        '2 \\* 3 = 6, snake\\_case, #tag, \\<b>, \\[x\\](y), \\~\\~no\\~\\~, \\$5, \\&amp; and a \\\\ backslash',
        '',
        '\\# not a heading',
        '',
        '\\- not a list',
        '',
        '1\\. not a list',
        '',
        '\\> not a quote',
        '',
        '\\+ plus',
        '',
        'a\\',
        '\\# b\\',
        '\\- c',
        '',
        '## Issue \\#',
        '',
        '### C# and F#',
        '',
        '| | |',
        '| --- | --- |',
        '| a \\| b | `x\\|y` |',
        '',
      ].join('\n'),
    );
    for (const line of lines) expect(unescape(markdown.replace(/\\\n/g, '\n'))).toContain(line);
    expect(plain_text).toContain('2 * 3 = 6, snake_case, #tag, <b>, [x](y), ~~no~~, $5, &amp; and a \\ backslash\n# not a heading\n');
    expect(plain_text).toContain('a | b\tx|y');
  });

  it('renders a synced reference as its original\'s content, once per occurrence', () => {
    const elsewhere = [
      stored('orig', 'synced_block', { synced_from: null }, 'other-page', 0),
      stored('orig-b', 'bulleted_list_item', { rich_text: rich('shared item') }, 'orig', 1),
      stored('orig-a', 'paragraph', { rich_text: rich('shared') }, 'orig', 0),
    ];
    const reference = (): Tree => block('synced_block', syncedFrom('orig'));
    const { markdown, plain_text } = render([p('before'), reference(), bullet('own item'), reference()], elsewhere);
    expect(markdown).toBe(['before', '', 'shared', '', '- shared item', '- own item', '', 'shared', '', '- shared item', ''].join('\n'));
    expect(plain_text).toBe(['before', 'shared', 'shared item', 'own item', 'shared', 'shared item', ''].join('\n'));
  });

  it('terminates on synced blocks that reference each other or themselves, and on cyclic children', () => {
    const original = (id: string, children: ContentBlock[]): ContentBlock[] => [
      stored(id, 'synced_block', { synced_from: null }, 'elsewhere', 0),
      ...children.map((child, position) => ({ ...child, parent_id: id, position })),
    ];
    const elsewhere = [
      ...original('loop-a', [stored('a1', 'paragraph', { rich_text: rich('in a') }), stored('a2', 'synced_block', syncedFrom('loop-b'))]),
      ...original('loop-b', [stored('b1', 'paragraph', { rich_text: rich('in b') }), stored('b2', 'synced_block', syncedFrom('loop-a'))]),
      ...original('self', [stored('s1', 'synced_block', syncedFrom('self'))]),
    ];
    const { markdown } = render([block('synced_block', syncedFrom('loop-a')), block('synced_block', syncedFrom('self'))], elsewhere);
    expect(markdown).toBe(
      ['in a', '', 'in b', '', '<!-- synced from loop-a (cycle) -->', '', '<!-- synced from self (cycle) -->', ''].join('\n'),
    );

    // A block listed as its own child is rendered once.
    const loop = stored('x', 'toggle', { rich_text: rich('again') }, PAGE, 0);
    expect(renderPageContent(PAGE, (id) => (id === PAGE || id === 'x' ? [loop] : undefined)).markdown).toBe(
      '<details><summary>again</summary>\n</details>\n',
    );
  });

  it('never writes the URL of a Notion-hosted file', () => {
    const media = ['image', 'video', 'pdf', 'audio', 'file'].map((type) => block(type, { ...hosted(), caption: [] }));
    const { markdown, plain_text } = render([
      ...media,
      block('file', { ...hosted(), caption: [], name: 'named.bin' }),
      block('callout', { rich_text: rich('Hosted icon'), icon: hosted() }),
    ]);
    for (const output of [markdown, plain_text]) {
      expect(output).not.toContain('amazonaws');
      expect(output).not.toContain('X-Amz');
      expect(output).not.toContain('abc123');
    }
    const names = [...media.map(() => 'Q3 report.pdf'), 'named.bin'];
    expect(markdown).toBe(`${names.map((name) => `[${name}] (Notion-hosted file)`).join('\n\n')}\n\n> Hosted icon\n`);
  });

  it('lists every block\'s plain text in document order, without syntax or escaping', () => {
    const { plain_text } = render(
      [
        block('heading_1', { rich_text: rich('Plan *now*') }),
        p([text('Some '), text('bold', { bold: true }), text(' text')]),
        bullet('outer', [bullet('inner')]),
        block('table', { table_width: 2, has_column_header: true }, [row('h1', 'h2'), row('a', 'b')]),
        block('code', { rich_text: rich('let x = 1;\nlet y = 2;'), caption: rich('code caption'), language: 'rust' }),
        block('image', { ...external('https://example.com/i.png'), caption: rich('A picture') }),
        block('child_page', { title: 'Child' }),
        block('toggle', { rich_text: rich('Toggle') }, [p('inside')]),
        block('equation', { expression: 'a^2' }),
        block('divider'),
        block('synced_block', syncedFrom('orig')),
        p('last'),
      ],
      [
        stored('orig', 'synced_block', { synced_from: null }, 'other', 0),
        stored('o1', 'paragraph', { rich_text: rich('synced text') }, 'orig', 0),
      ],
    );
    expect(plain_text).toBe(
      [
        'Plan *now*',
        'Some bold text',
        'outer',
        'inner',
        'h1\th2',
        'a\tb',
        'let x = 1;\nlet y = 2;',
        'code caption',
        'A picture',
        'Child',
        'Toggle',
        'inside',
        'a^2',
        'synced text',
        'last',
        '',
      ].join('\n'),
    );
  });

  it('renders nothing for an empty page and never throws on malformed blocks', () => {
    expect(renderPageContent(PAGE, () => undefined)).toEqual({ markdown: '', plain_text: '' });
    const junk: ContentBlock[] = [
      { id: 'j1' },
      { id: 'j2', type: 'paragraph' },
      { id: 'j3', type: 'paragraph', paragraph: { rich_text: [null, 3, { plain_text: 'ok' }] } },
      { id: 'j4', type: 'table', table: {} },
      { id: 'j5', type: 'image', image: {} },
      { id: 'j6', type: 'numbered_list_item', numbered_list_item: { rich_text: 'not an array', list_start_index: 'x' } },
      { id: 'j7', type: 'synced_block', synced_block: { synced_from: { block_id: 42 } } },
      { id: 'j8', type: 'meeting_notes', meeting_notes: { title: [{ plain_text: 'Sync' }] } },
      { id: 'j9', type: 'callout', callout: { icon: null } },
    ].map((b, position) => ({ ...b, parent_id: PAGE, position }));
    expect(renderPageContent(PAGE, childrenIndex(junk)).markdown).toBe('ok\n\n[image] (Notion-hosted file)\n\n1.\n\n### Sync\n');
  });

  it.each(SEEDS)('keeps every block\'s text, in document order, in a few hundred random blocks (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const int = (n: number): number => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
    const ALPHABET = 'abcdefxyz ABC 0123456789 *_#|[]<>`~$&!-+=.():;"\'\\/@%^{}';
    /** Code is shown as written, so it may not hold a backslash that the unescaping step would eat. */
    const CODE = ALPHABET.replace(/\\/g, '');
    const word = (alphabet: string): string => Array.from({ length: 1 + int(12) }, () => alphabet[int(alphabet.length)]).join('');
    const annotations = (): Annotations => ({
      bold: random() < 0.3,
      italic: random() < 0.3,
      strikethrough: random() < 0.1,
      code: random() < 0.15,
    });

    const expected: string[] = [];
    /** A random rich-text array; the text of each item is expected next in the Markdown. */
    const richText = (): Record<string, unknown>[] =>
      Array.from({ length: 1 + int(4) }, () => {
        const a = annotations();
        const roll = random();
        const item =
          roll < 0.1
            ? equation(word(CODE.replace(/\$/g, '')))
            : roll < 0.2
              ? text(word(a.code ? CODE : ALPHABET), a, `https://example.com/${int(100)}`)
              : text(word(a.code ? CODE : ALPHABET), a);
        const body = (item.plain_text as string).trim();
        if (body) expected.push(body);
        return item;
      });

    let count = 0;
    const CONTAINERS = [
      ...['bulleted_list_item', 'numbered_list_item', 'to_do', 'quote', 'callout', 'toggle'],
      ...['paragraph', 'heading_2', 'synced_block', 'column_list'],
    ];
    const LEAVES = [
      ...['paragraph', 'heading_1', 'heading_3', 'heading_4', 'code', 'equation'],
      ...['table', 'child_page', 'image', 'bookmark', 'divider'],
    ];
    const tree = (depth: number): Tree => {
      count++;
      const type = depth < 4 && random() < 0.35 ? pick(CONTAINERS) : pick(LEAVES);
      const kids = (): Tree[] => Array.from({ length: 1 + int(4) }, () => tree(depth + 1));
      switch (type) {
        case 'code': {
          const source = `${word(CODE)}\n${word(CODE)}`;
          // Code lines are prefixed inside quotes and list items, and lose trailing spaces.
          expected.push(...source.split('\n').map((line) => line.trimEnd()).filter(Boolean));
          return block('code', { rich_text: [text(source)], caption: [], language: pick(['plain text', 'python']) });
        }
        case 'equation': {
          const expression = word(CODE);
          expected.push(expression.trimEnd());
          return block('equation', { expression });
        }
        case 'table': {
          const width = 1 + int(3);
          const rows = Array.from({ length: 1 + int(3) }, () => row(...Array.from({ length: width }, richText)));
          return block('table', { table_width: width, has_column_header: random() < 0.5 }, rows);
        }
        case 'child_page':
        case 'image':
        case 'bookmark': {
          const label = word(ALPHABET.replace(/ /g, ''));
          expected.push(label);
          if (type === 'child_page') return block(type, { title: label });
          if (type === 'image') return block(type, { ...external(`https://example.com/${count}.png`), caption: [text(label)] });
          return block(type, { url: `https://example.com/${count}`, caption: [text(label)] });
        }
        case 'divider':
          return block(type);
        case 'synced_block':
          return block(type, { synced_from: null }, kids());
        case 'column_list':
          return block(type, {}, [block('column', {}, kids()), block('column', {}, kids())]);
        case 'callout':
          return block(type, { rich_text: richText(), icon: { type: 'emoji', emoji: '🔥' } }, kids());
        default:
          return block(type, { rich_text: richText(), checked: random() < 0.5 }, CONTAINERS.includes(type) && depth < 4 ? kids() : []);
      }
    };
    const trees: Tree[] = [];
    while (count < 300) trees.push(tree(0));
    const blocks = flatten(PAGE, trees);
    // Any order in: the renderer sorts by position.
    for (let i = blocks.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [blocks[i], blocks[j]] = [blocks[j]!, blocks[i]!];
    }

    const { markdown } = renderPageContent(PAGE, childrenIndex(blocks));
    expect(markdown).toBe(renderPageContent(PAGE, childrenIndex([...blocks].reverse())).markdown);
    expect(markdown).not.toMatch(/[ \t]$/m);
    expect(markdown.endsWith('\n') && !markdown.endsWith('\n\n')).toBe(true);
    const readable = unescape(markdown);
    let at = 0;
    for (const piece of expected) {
      const found = readable.indexOf(piece, at);
      if (found < 0) throw new Error(`${JSON.stringify(piece)} not found after offset ${at} in:\n${readable.slice(at, at + 400)}`);
      at = found + piece.length;
    }
    expect(expected.length).toBeGreaterThan(300);
  });
});

/** A tiny deterministic PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    let t = (state = (state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
