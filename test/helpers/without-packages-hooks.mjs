let missing = [];

export async function initialize(packages) {
  missing = packages;
}

export async function resolve(specifier, context, next) {
  if (missing.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
    throw Object.assign(new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}
