/** Longest line kept: an error is a headline in a trace, not a dump. */
const MAX_LENGTH = 500;

/**
 * An error as one line that is safe to store: its name and the first line of its message, passed
 * through `redact` (the source's own secrets), then without whatever looks like a credential anyway:
 * the password of a URL (`postgres://user:***@host`), a `Bearer` token, a Notion token (`ntn_…`,
 * `secret_…`) and `password=` / `pwd=` values. Errors are meant to hold no secret (the client and the
 * destinations scrub theirs); this is the second line of defence for what is written to disk.
 *
 * @example
 * ```ts
 * errorLine(new Error('connect to postgres://me:hunter2@db failed\n  at …')); // 'Error: connect to postgres://me:***@db failed'
 * ```
 */
export function errorLine(error: unknown, redact: (text: string) => string = (text) => text): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\r?\n/, 1)[0]!.trim();
  const line = redact(`${name}: ${first}`)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]*@/gi, '$1:***@')
    .replace(/\bBearer\s+[^\s"',;]+/gi, 'Bearer ***')
    .replace(/\b(?:ntn|secret)_[A-Za-z0-9]{8,}/g, '***')
    .replace(/\b(password|passwd|pwd)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s;,&]+)/gi, '$1$2***');
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH - 1)}…` : line;
}
