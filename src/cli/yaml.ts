/**
 * A JSON-like value (objects, arrays, strings, numbers, booleans, null) as block-style YAML, written by
 * hand so the CLI needs no YAML library. Strings that could read as anything else (numbers, booleans,
 * null, text with `:` or `#`, leading or trailing spaces) are double-quoted JSON strings, which YAML reads
 * back as the same string.
 *
 * @example
 * ```ts
 * toYaml({ name: 'pages', primary_key: ['id'], nullable: false });
 * // 'name: pages\nprimary_key:\n  - id\nnullable: false\n'
 * ```
 */
export function toYaml(value: unknown): string {
  return lines(value, 0).join('\n') + '\n';
}

function lines(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (isScalar(item) || isEmpty(item)) return [`${pad}- ${scalar(item)}`];
      const [first, ...rest] = lines(item, indent + 2);
      return [`${pad}- ${first!.trimStart()}`, ...rest];
    });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, v]) => (isScalar(v) || isEmpty(v) ? [`${pad}${scalar(key)}: ${scalar(v)}`] : [`${pad}${scalar(key)}:`, ...lines(v, indent + 2)]));
  }
  return [`${pad}${scalar(value)}`];
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function isEmpty(value: unknown): boolean {
  return Array.isArray(value) ? value.length === 0 : value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

/** Words YAML reads as booleans or null, in any case. */
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

function scalar(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  if (typeof value !== 'string') return String(value);
  const plain = /^[A-Za-z_/][\w .\/()-]*$/.test(value) && !value.endsWith(' ') && !RESERVED.test(value);
  return plain ? value : JSON.stringify(value);
}
