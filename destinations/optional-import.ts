import { MissingPackageError } from './errors.js';

/** Imports a module by specifier, as `import()` does; tests pass one that fails to simulate a missing package. */
export type Importer = (specifier: string) => Promise<unknown>;

/** The real `import()`. */
export const nativeImport: Importer = (specifier) => import(specifier);

/**
 * Import a destination's optional peer packages (drivers) on first use, in order. A package that is not
 * installed is a {@link MissingPackageError} naming every package to install; any other failure (a
 * broken install) propagates as it is.
 *
 * @example
 * ```ts
 * const [pg, copyStreams] = await importOptional('postgres', ['pg', 'pg-copy-streams']);
 * ```
 */
export async function importOptional(destination: string, specifiers: readonly string[], importer: Importer = nativeImport): Promise<unknown[]> {
  const modules: unknown[] = [];
  for (const specifier of specifiers) {
    try {
      modules.push(await importer(specifier));
    } catch (err) {
      if (isNotFound(err, specifier)) throw new MissingPackageError(destination, specifiers, { cause: err });
      throw err;
    }
  }
  return modules;
}

/** Node's "cannot find package" (ESM `ERR_MODULE_NOT_FOUND`, CJS `MODULE_NOT_FOUND`) for `specifier` itself, not for a file inside it. */
function isNotFound(err: unknown, specifier: string): boolean {
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${specifier}'`);
}
